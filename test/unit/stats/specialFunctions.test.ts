import { describe, it } from 'vitest';
import { chiSquareSf, erfc, logGamma, twoProportionZTest } from '../../../src/stats/index.js';
import { expectClose, loadFixture } from './fixtures.js';

interface SpecialFixture {
  gammaln: { x: number; value: number }[];
  chi2: { x: number; dof: number; sf: number }[];
  erfc: { x: number; value: number }[];
  ztest: { x1: number; n1: number; x2: number; n2: number; statistic: number; pValue: number }[];
}

const fixture = loadFixture<SpecialFixture>('special.json')[0]!;

describe('special functions against scipy.special', () => {
  it('logGamma matches gammaln', () => {
    for (const c of fixture.gammaln) expectClose(logGamma(c.x), c.value, 1e-13, `x=${c.x}`, 1e-15);
  });
  it('chiSquareSf matches scipy.stats.chi2.sf', () => {
    for (const c of fixture.chi2) {
      expectClose(chiSquareSf(c.x, c.dof), c.sf, 1e-10, `x=${c.x} dof=${c.dof}`, 1e-300);
    }
  });
  it('erfc matches scipy.special.erfc', () => {
    for (const c of fixture.erfc) expectClose(erfc(c.x), c.value, 1e-12, `x=${c.x}`, 1e-300);
  });
  it('twoProportionZTest matches the pooled z-test with scipy.stats.norm', () => {
    for (const c of fixture.ztest) {
      const result = twoProportionZTest(c.x1, c.n1, c.x2, c.n2);
      expectClose(result.statistic, c.statistic, 1e-12, 'z', 1e-15);
      expectClose(result.pValue, c.pValue, 1e-10, 'p', 1e-300);
    }
  });
});

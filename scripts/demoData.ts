/**
 * The demo data generator lives in src/demo/demoData.ts so that the compiled
 * CLI (`driftwatch demo`) can use it; scripts, tests and benchmarks keep
 * importing it from here.
 */
export * from '../src/demo/demoData.js';

/**
 * What the demo stages, named once for the traffic (demo.ts) and for what it
 * reports about the runs (demoReport.ts).
 */

export const DEMO_MODEL = 'demo-churn';
export const DEMO_VERSION = '1';

/** The serving skew: monthly_charges multiplied by this before scoring for some rows. */
export const SKEW_FACTOR = 10;

/**
 * The serving pod with a stale feature cache that serves support_calls = 0:
 * 5 % of the traffic, a fault the whole window hides and the `tag:pod`
 * segments show.
 */
export const STALE_POD = 'pod-d';

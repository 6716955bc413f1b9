/** `npm run dashboards:build`: regenerates dashboards/*.json from src/dashboards/. */
import { writeDashboards } from '../src/dashboards/build.js';

for (const path of await writeDashboards()) console.log(`wrote ${path}`);

/** `npm run dashboards`: writes the dashboards' JSON and the README's dashboard tables. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { README, renderDashboards, withReadmeSection } from './generated.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const [path, json] of await renderDashboards(root)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), json);
  process.stdout.write(`wrote ${path}\n`);
}
const readme = join(root, README);
writeFileSync(readme, withReadmeSection(readFileSync(readme, 'utf8')));
process.stdout.write(`updated the dashboards section of ${README}\n`);

/** The committed dashboards and README tables are what the code generates, and lint clean. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_DIR, README, renderDashboards, withReadmeSection } from '../src/generated.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STALE = 'stale: run `npm run dashboards` and commit the result';

describe('generated dashboards', () => {
  it('the committed JSON is what the code generates, one file per dashboard', async () => {
    const files = await renderDashboards(ROOT);
    expect(readdirSync(join(ROOT, GENERATED_DIR)).sort(), STALE).toEqual(
      [...files.keys()].map((p) => p.split('/').at(-1)).sort(),
    );
    for (const [path, json] of files) {
      expect(existsSync(join(ROOT, path)), `${path} missing: ${STALE}`).toBe(true);
      expect(readFileSync(join(ROOT, path), 'utf8'), `${path} ${STALE}`).toBe(json);
    }
  });

  it("the README's dashboard tables are what the code generates", () => {
    const readme = readFileSync(join(ROOT, README), 'utf8');
    expect(readme, `README ${STALE}`).toBe(withReadmeSection(readme));
  });

  it('every panel has a title, description, unit and queries the datasource variable only', async () => {
    const uids = new Set<string>();
    for (const json of (await renderDashboards(ROOT)).values()) {
      const d = JSON.parse(json) as {
        uid: string;
        editable: boolean;
        panels: Record<string, unknown>[];
      };
      expect(uids.has(d.uid)).toBe(false);
      uids.add(d.uid);
      expect(d.editable).toBe(false);
      for (const p of d.panels) {
        expect(p['title']).toBeTruthy();
        expect(String(p['description']).length, String(p['title'])).toBeGreaterThan(20);
        expect((p['fieldConfig'] as { defaults: { unit?: string } }).defaults.unit).toBeTruthy();
      }
      // Like the plugin's own dashboard test: no datasource uid but the variable.
      const refs = [...json.matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]);
      expect(refs.filter((u) => u !== d.uid && u !== '${datasource}')).toEqual([]);
    }
    expect(uids.size).toBe(6);
  });
});

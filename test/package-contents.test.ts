/**
 * The packed tarball holds what a user of it needs and nothing that points outside it:
 * `npm pack --dry-run --json --ignore-scripts` (the file list `npm publish` would ship, without
 * running prepack's cross-compile) has LICENSE, README and package.json; every relative link in the
 * README and in the shipped docs names a shipped file (and an existing heading, for `#anchor`s);
 * every source map names sources that are shipped; every entry point (main, types, exports, bin)
 * is shipped; no test file is; `files` lists prebuilds/, which prepack fills. Negative controls run
 * the same checks over the listing without docs/ and without src/, so the checks can fail.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSync } from './helpers/process.js';

const kRoot = fileURLToPath(new URL('../../', import.meta.url));

interface PackageJson {
  readonly license?: string;
  readonly repository?: { readonly type: string; readonly url: string };
  readonly homepage?: string;
  readonly bugs?: { readonly url: string };
  readonly main?: string;
  readonly types?: string;
  readonly exports?: unknown;
  readonly bin?: Readonly<Record<string, string>>;
  readonly files?: readonly string[];
}

/** The paths `npm pack` would put in the tarball (relative to the package root, '/'-separated). */
function packedFiles(): Set<string> {
  const r = runSync('npm pack --dry-run --json --ignore-scripts', 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: kRoot, timeout: 120_000 });
  assert.equal(r.error, undefined, `npm must be on PATH: ${String(r.error)}`);
  assert.equal(r.status, 0, r.stderr);
  const [pack] = JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>;
  assert.ok(pack, `npm pack --json printed no package: ${r.stdout.slice(0, 500)}`);
  return new Set(pack.files.map((f) => f.path));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (m[1] ?? '').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Markdown without its fenced code blocks (a `# comment` there is no heading, a link no link). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
}

/** Markdown without code, fenced or inline (links there are examples, not links). */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** Broken relative links of `text`, the Markdown file `doc` (a shipped path): "doc: target (why)". */
function brokenLinks(doc: string, files: ReadonlySet<string>, text = readFileSync(join(kRoot, doc), 'utf8')): string[] {
  const problems: string[] = [];
  for (const m of withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = m[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:: not a file of the package
    const [path = '', anchor] = link.split('#');
    const target = path === '' ? doc : posix.normalize(posix.join(posix.dirname(doc), decodeURIComponent(path)));
    if (!files.has(target)) {
      problems.push(`${doc}: ${link} (${target} is not in the package)`);
    } else if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(join(kRoot, target), 'utf8')).has(anchor)) {
      problems.push(`${doc}: ${link} (no heading #${anchor} in ${target})`);
    }
  }
  return problems;
}

/** Source maps whose sources are not shipped: "map: source". */
function brokenMaps(files: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const map of [...files].filter((f) => f.endsWith('.map'))) {
    const { sources, sourceRoot = '' } = JSON.parse(readFileSync(join(kRoot, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const s of sources) {
      const target = posix.normalize(posix.join(posix.dirname(map), sourceRoot, s));
      if (!files.has(target)) problems.push(`${map}: ${s} (${target} is not in the package)`);
    }
  }
  return problems;
}

/** Every file an entry point of package.json names. */
function entryPoints(pkg: PackageJson): string[] {
  const targets: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') targets.push(v);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk([pkg.main, pkg.types, pkg.exports, pkg.bin]);
  return targets.map((t) => posix.normalize(t));
}

test('npm pack: LICENSE, README, linked docs, map sources and entry points are shipped; tests are not', () => {
  const files = packedFiles();
  const pkg = JSON.parse(readFileSync(join(kRoot, 'package.json'), 'utf8')) as PackageJson;

  for (const f of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(f), `${f} is in the package`);
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(kRoot, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the ndshare authors\n/);
  assert.equal(pkg.repository?.url, 'git+https://github.com/ndshare/ndshare.git');
  assert.ok(pkg.homepage?.startsWith('https://github.com/ndshare/ndshare') && pkg.bugs?.url.startsWith('https://github.com/ndshare/ndshare/'), 'homepage and bugs');

  const docs = ['README.md', ...[...files].filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
  assert.ok(docs.length > 1, 'the docs the README links to are shipped');
  assert.deepEqual(docs.flatMap((d) => brokenLinks(d, files)), []);
  const maps = [...files].filter((f) => f.endsWith('.map'));
  assert.ok(maps.some((f) => f.endsWith('.js.map')) && maps.some((f) => f.endsWith('.d.ts.map')), 'source and declaration maps are shipped');
  assert.deepEqual(brokenMaps(files), []);
  assert.deepEqual(entryPoints(pkg).filter((f) => !files.has(f)), []);

  assert.deepEqual([...files].filter((f) => /(^|\/)test\/|\.test\.[cm]?[jt]s/.test(f)), [], 'no test files');
  assert.ok(pkg.files?.includes('prebuilds/'), "files lists prebuilds/ (prepack's scripts/prebuild.sh fills it)");

  // Negative controls: the same checks over a package without docs/, and without src/.
  const noDocs = new Set([...files].filter((f) => !f.startsWith('docs/')));
  assert.ok(brokenLinks('README.md', noDocs).some((p) => p.includes('docs/api.md is not in the package')));
  const noSources = new Set([...files].filter((f) => !f.startsWith('src/')));
  assert.ok(brokenMaps(noSources).some((p) => p.includes('src/index.ts is not in the package')));
  assert.deepEqual(brokenLinks('README.md', files, 'See [the API](docs/api.md#no-such-heading).'), ['README.md: docs/api.md#no-such-heading (no heading #no-such-heading in docs/api.md)']);
});

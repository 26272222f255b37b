// Writes grafana.json: what the pinned Grafana packages (package.json,
// package-lock.json) accept in a dashboard, for the Go tests of package
// dashboards, which run without Node:
//
//   - units: every unit id of @grafana/data's value formats
//     (getValueFormats(), the unit picker's list), by category, and the
//     prefixes of the custom units that getValueFormat() understands;
//   - enums: for the dashboard, a panel, its field config, and each panel
//     plugin's options and custom field config in @grafana/schema, every
//     JSON path whose type is a closed set of values (an enum or a union of
//     literals), with those values;
//   - options: for each panel plugin, every path its options and custom
//     field config may have (known), and those below which any key goes
//     (open).
// Both found with the TypeScript compiler's type checker on the published
// .d.ts files.
//
// Regenerate after changing the pinned versions:
//
//   cd dashboards/testdata/grafana && npm ci && node extract.mjs
import { createRequire } from 'node:module';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const version = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

// --- units -----------------------------------------------------------------
// @grafana/data's date formatters ask the browser for its locale at load.
globalThis.navigator ??= { language: 'en-US', languages: ['en-US'] };
const data = require('@grafana/data');
const categories = {};
for (const c of data.getValueFormats()) {
  categories[c.text] = c.submenu.map((s) => s.value);
}
// getValueFormat(id) in @grafana/data/src/valueFormats/valueFormats.ts:
// an id that is not in the list is read as "<prefix>:<argument>" for these
// prefixes, and anything else is shown as a suffix (never what we mean).
const customPrefixes = ['prefix', 'suffix', 'time', 'si', 'count', 'currency', 'bool'];
for (const id of ['suffix:years', 'prefix:x', 'time:YYYY']) {
  if (typeof data.getValueFormat(id) !== 'function') {
    throw new Error(`getValueFormat(${id}) is no formatter: custom units changed`);
  }
}

// --- enums -----------------------------------------------------------------
const schemaDir = join(here, 'node_modules', '@grafana', 'schema');
const exportsMap = JSON.parse(readFileSync(join(schemaDir, 'package.json'), 'utf8')).exports;
const plugins = Object.keys(exportsMap)
  .map((k) => /^\.\/dist\/esm\/raw\/composable\/([a-z0-9]+)\/panelcfg\/x\/(\w+)_types\.gen$/.exec(k))
  .filter(Boolean)
  .map((m) => ({ id: m[1], module: '@grafana/schema' + m[0].slice(1) }));

const dir = mkdtempSync(join(tmpdir(), 'grafana-extract-'));
const entry = join(dir, 'entry.ts');
let src = `import type * as schema from '@grafana/schema';\n`;
src += `export type Dashboard = Omit<schema.Dashboard, 'panels' | 'templating'> & { templating: { list: schema.VariableModel[] } };\n`;
src += `export type Panel = Omit<schema.Panel, 'options' | 'fieldConfig'>;\n`;
src += `export type FieldConfig = Omit<schema.FieldConfig, 'custom'>;\n`;
for (const [i, p] of plugins.entries()) {
  src += `import type * as p${i} from '${p.module}';\n`;
  src += `export type Options_${p.id} = p${i}.Options;\n`;
  // Not every plugin has custom field options (text, news, …).
  const dts = readFileSync(join(schemaDir, exportsMap['./' + p.module.slice('@grafana/schema/'.length)].types), 'utf8');
  if (/export (interface|type) FieldConfig\b/.test(dts)) {
    src += `export type Custom_${p.id} = p${i}.FieldConfig;\n`;
  }
}
writeFileSync(entry, src);
const program = ts.createProgram([entry], {
  strict: true,
  noEmit: true,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  baseUrl: here,
  typeRoots: [],
  paths: { '@grafana/schema': [join(schemaDir)], '@grafana/schema/*': [join(schemaDir, '*')] },
});
const diags = ts.getPreEmitDiagnostics(program);
if (diags.length) {
  throw new Error(ts.formatDiagnostics(diags, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => here, getNewLine: () => '\n' }));
}
const checker = program.getTypeChecker();
const file = program.getSourceFile(entry);
const aliases = {};
for (const st of file.statements) {
  if (ts.isTypeAliasDeclaration(st)) aliases[st.name.text] = checker.getTypeAtLocation(st.name);
}

// literals returns the values of a closed set of literals (enum members,
// string or number literals; undefined and null left out), or null.
function literals(type) {
  const parts = type.isUnion() ? type.types : [type];
  const out = [];
  for (const t of parts) {
    if (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) continue;
    if (t.isStringLiteral() || t.isNumberLiteral()) out.push(t.value);
    else return null;
  }
  return out.length ? out : null;
}

// walk records path -> values for every closed set of literals below type.
function walk(type, path, out, depth) {
  if (depth > 10) return;
  const lits = literals(type);
  if (lits) {
    out[path] = [...new Set([...(out[path] ?? []), ...lits])].sort();
    return;
  }
  const parts = type.isUnion() ? type.types : [type];
  for (const t of parts) {
    if (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.BooleanLiteral)) continue;
    if (checker.isArrayType(t)) {
      walk(checker.getTypeArguments(t)[0], path + '[]', out, depth + 1);
      continue;
    }
    if (!(t.flags & ts.TypeFlags.Object) && !t.isIntersection()) continue;
    for (const prop of checker.getPropertiesOfType(t)) {
      const pt = checker.getTypeOfSymbol(prop);
      walk(pt, path ? path + '.' + prop.name : prop.name, out, depth + 1);
    }
  }
}

// shape records every property path below type in known, and in open the
// paths below which anything goes (unknown, any, or an index signature).
function shape(type, path, known, open, depth) {
  known.add(path);
  if (depth > 10) return;
  const parts = type.isUnion() ? type.types : [type];
  for (const t of parts) {
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
      open.add(path);
      continue;
    }
    if (checker.isArrayType(t)) {
      shape(checker.getTypeArguments(t)[0], path + '[]', known, open, depth + 1);
      continue;
    }
    if (!(t.flags & ts.TypeFlags.Object) && !t.isIntersection()) continue;
    if (checker.getIndexInfosOfType(t).length > 0) open.add(path);
    for (const prop of checker.getPropertiesOfType(t)) {
      shape(checker.getTypeOfSymbol(prop), path + '.' + prop.name, known, open, depth + 1);
    }
  }
}

const enums = { dashboard: {}, panel: {}, fieldConfig: {}, panels: {} };
const options = {};
walk(aliases.Dashboard, '', enums.dashboard, 0);
walk(aliases.Panel, '', enums.panel, 0);
walk(aliases.FieldConfig, 'fieldConfig.defaults', enums.fieldConfig, 0);
for (const p of plugins) {
  const e = {};
  walk(aliases['Options_' + p.id], 'options', e, 0);
  if (aliases['Custom_' + p.id]) walk(aliases['Custom_' + p.id], 'fieldConfig.defaults.custom', e, 0);
  enums.panels[p.id] = e;
  const known = new Set();
  const open = new Set();
  shape(aliases['Options_' + p.id], 'options', known, open, 0);
  if (aliases['Custom_' + p.id]) shape(aliases['Custom_' + p.id], 'fieldConfig.defaults.custom', known, open, 0);
  options[p.id] = { known: [...known].sort(), open: [...open].sort() };
}
rmSync(dir, { recursive: true });

const out = {
  about:
    'What Grafana accepts in a dashboard, extracted by dashboards/testdata/grafana/extract.mjs from the npm packages named here (pinned in package-lock.json). Do not edit: run `npm ci && node extract.mjs` in dashboards/testdata/grafana.',
  packages: { '@grafana/data': version('@grafana/data'), '@grafana/schema': version('@grafana/schema'), typescript: version('typescript') },
  units: { categories, customPrefixes },
  enums,
  options,
};
writeFileSync(join(here, 'grafana.json'), JSON.stringify(out, null, 1) + '\n');
console.log(
  `grafana.json: ${Object.values(categories).flat().length} units in ${Object.keys(categories).length} categories, ` +
    `enums of ${plugins.length} panel plugins`
);

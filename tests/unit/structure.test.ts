/**
 * The code's intended shape, read from src/ with the TypeScript compiler's parser (nothing is type-checked or run):
 * files and functions small enough to read whole, folders that import only in the allowed directions, and no import
 * cycles. It guards the structure, not the behaviour: a restructuring that keeps every other test green can still
 * let one module grow back into a 1,000-line file or let the pipeline reach for the HTTP client again; this says so,
 * naming every offending file, function and import. src/generated/ (written by `npm run gen:types`) is not scanned.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = path.join(ROOT, 'src');
const SKIP = ['generated/']; // generated from the schemas, git-ignored, never edited by hand

const MAX_FILE_LINES = 450;
const MAX_FUNCTION_LINES = 80;

/**
 * Who may import whom, by folder under src/ ('x/' is a folder and everything below it, 'x.ts' one top-level file).
 * A row has either `forbidden` (everything else is allowed) or `allowed` (everything else is forbidden); packages and
 * node builtins are always allowed. A row about a folder that does not exist yet holds vacuously.
 */
const LAYERS: { folder: string; forbidden?: string[]; allowed?: string[]; why: string }[] = [
  // Type-only imports count: the pipeline talks to an interface it declares, never to the HTTP client.
  { folder: 'engine/', forbidden: ['intercom/'], why: 'the pipeline never imports the API client' },
  { folder: 'incremental/', forbidden: ['keboola/', 'intercom/', 'engine/'], why: 'planning never imports the platform side, the API client or the pipeline' },
  // generated/ holds the config types generated from component_config/configSchema.json, which keboola/config.ts parses.
  { folder: 'keboola/', allowed: ['keboola/', 'util/', 'model/', 'generated/', 'log.ts', 'errors.ts'], why: 'no back-arrow from keboola/ to the engine' },
  { folder: 'intercom/', forbidden: ['engine/', 'incremental/', 'keboola/', 'flatten/', 'resources/'], why: 'the API client knows nothing built on top of it' },
  { folder: 'util/', allowed: ['util/'], why: 'util/ is the bottom layer' },
];

interface Import { from: string; line: number; text: string; specifier: string; target: string }
interface Source { file: string; text: string; sf: ts.SourceFile; imports: Import[] }

const under = (file: string, pattern: string) => (pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern);
const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
const firstLine = (node: ts.Node, sf: ts.SourceFile) => node.getText(sf).split('\n')[0].trim();

/** Every .ts file under src/, as a path relative to src/ with forward slashes, sorted. */
function sourceFiles(dir = SRC): string[] {
  const files = readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    const rel = path.relative(SRC, full).split(path.sep).join('/');
    if (entry.isDirectory()) return SKIP.includes(`${rel}/`) ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
  return files.sort();
}

/** `./x.js` from `a/b.ts` → `a/x.ts` (or `a/x/index.ts`), relative to src/; a target outside src/ starts with `..`. */
function resolve(from: string, specifier: string, known: Set<string>): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.(js|ts|mjs|cjs)$/, '');
  const candidates = [`${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c)) ?? candidates[0];
}

/** Relative module specifiers of a node, if it imports: import/export ... from, import x = require(), import(), import('x').T. */
function specifierOf(node: ts.Node): ts.Expression | undefined {
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return node.moduleSpecifier;
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) return node.moduleReference.expression;
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return node.arguments[0];
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) return node.argument.literal;
  return undefined;
}

function importsOf(file: string, sf: ts.SourceFile, known: Set<string>): Import[] {
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    const spec = specifierOf(node);
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) {
      const line = lineOf(sf, node.getStart(sf));
      found.push({ from: file, line, text: firstLine(node, sf), specifier: spec.text, target: resolve(file, spec.text, known) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function load(): Source[] {
  const files = sourceFiles();
  const known = new Set(files);
  return files.map((file) => {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    return { file, text, sf, imports: importsOf(file, sf, known) };
  });
}

/** A readable name for a function node: `Class.method`, `name`, or what it is assigned to; else its kind. */
function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = node.name ?? (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) || ts.isPropertyDeclaration(node.parent) ? node.parent.name : undefined);
  const name = ts.isConstructorDeclaration(node) ? 'constructor' : own ? own.getText(sf) : ts.isArrowFunction(node) ? '(arrow function)' : '(function expression)';
  const owner = ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : '';
  return owner + name;
}

function longFunctions(source: Source): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = lineOf(source.sf, node.getStart(source.sf));
      const lines = lineOf(source.sf, node.getEnd()) - start + 1;
      if (lines > MAX_FUNCTION_LINES) found.push(`src/${source.file}:${start} ${nameOf(node as ts.FunctionLikeDeclaration, source.sf)}: ${lines} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source.sf);
  return found;
}

function layerViolations(imp: Import): string[] {
  return LAYERS.filter((layer) => under(imp.from, layer.folder))
    .filter((layer) => (layer.forbidden ? layer.forbidden.some((p) => under(imp.target, p)) : !layer.allowed!.some((p) => under(imp.target, p))))
    .map((layer) => {
      const rule = layer.forbidden ? `must not import ${layer.forbidden.join(', ')}` : `may import only ${layer.allowed!.join(', ')}`;
      return `src/${imp.from}:${imp.line} ${imp.text}  (→ src/${imp.target}; ${layer.folder} ${rule}: ${layer.why})`;
    });
}

/** One cycle per back edge of a depth-first walk, each as `a → b → a`, rotated to start at its smallest file. */
function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const walk = (file: string): void => {
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const at = stack.indexOf(next);
      if (at >= 0) {
        const loop = stack.slice(at);
        const first = loop.indexOf([...loop].sort()[0]);
        const rotated = [...loop.slice(first), ...loop.slice(0, first)];
        found.add([...rotated, rotated[0]].map((f) => `src/${f}`).join(' → '));
      } else if (!done.has(next)) walk(next);
    }
    stack.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) walk(file);
  return [...found].sort();
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
const report = (what: string, found: string[]) => `${found.length} ${what}:\n  ${found.join('\n  ')}\n`;

describe('Code structure (src/, read with the TypeScript parser)', () => {
  const sources = load();

  it(`has no source file longer than ${MAX_FILE_LINES} lines`, () => {
    const found = sources.filter((s) => lineCount(s.text) > MAX_FILE_LINES).map((s) => `src/${s.file}: ${lineCount(s.text)} lines`);
    expect(found, report(`file(s) over ${MAX_FILE_LINES} lines`, found)).to.be.empty;
  });

  it(`has no function longer than ${MAX_FUNCTION_LINES} lines (declarations, methods, arrows, expressions, nested ones too)`, () => {
    const found = sources.flatMap(longFunctions);
    expect(found, report(`function(s) over ${MAX_FUNCTION_LINES} lines`, found)).to.be.empty;
  });

  it('imports only in the allowed directions between folders (type-only imports count)', () => {
    const found = sources.flatMap((s) => s.imports.flatMap(layerViolations));
    expect(found, report('import(s) against the layering', found)).to.be.empty;
  });

  it('has no import cycle (import, import type, export ... from, import())', () => {
    const known = new Set(sources.map((s) => s.file));
    const graph = new Map(sources.map((s) => [s.file, [...new Set(s.imports.map((i) => i.target).filter((t) => known.has(t)))]]));
    const found = cycles(graph);
    expect(found, report('import cycle(s)', found)).to.be.empty;
  });
});

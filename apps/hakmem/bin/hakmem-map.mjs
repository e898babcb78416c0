#!/usr/bin/env node
// Renders a heap map snapshot (the JSON of `heap.map()`) as an SVG file:
//   hakmem-map <snapshot.json> <out.svg> [--width N] [--title TEXT]
//   pnpm --filter hakmem map <snapshot.json> <out.svg>
// Exit 0 on success, 2 on a bad command line or input that is not a heap map.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = 'usage: hakmem-map <snapshot.json> <out.svg> [--width N] [--title TEXT]\n  the snapshot is JSON.stringify(heap.map()) written to a file\n';

function fail(message) {
  process.stderr.write(`hakmem-map: ${message}\n${USAGE}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({ options: { width: { type: 'string' }, title: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
} catch (err) {
  fail(err.message);
}
if (args.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.positionals.length !== 2) fail(`needs an input and an output file, got ${args.positionals.length} argument(s)`);
// `pnpm --filter hakmem map a.json b.svg` runs in apps/hakmem: paths are the caller's, from where pnpm was started.
const base = process.env.npm_lifecycle_event === 'map' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const [input, output] = args.positionals.map((p) => resolve(base, p));
const width = args.values.width === undefined ? undefined : Number(args.values.width);
if (width !== undefined && !(Number.isInteger(width) && width >= 320)) fail(`--width needs a whole number of pixels, at least 320, got '${args.values.width}'`);

let map;
try {
  map = JSON.parse(readFileSync(input, 'utf8'));
} catch (err) {
  fail(`cannot read ${input} as JSON: ${err.message.split('\n')[0]}`);
}
// Loaded after the arguments are checked, so a usage error needs no build.
const { renderHeapMapSvg } = await import('../dist/index.js');
let svg;
try {
  svg = renderHeapMapSvg(map, { width, title: args.values.title });
} catch (err) {
  fail(`${input}: ${err.message}`);
}
writeFileSync(output, svg);
process.stdout.write(`${output}: ${map.regions.length} regions, ${map.totals.liveBlocks} live blocks\n`);

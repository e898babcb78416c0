// Makes sure the browser test has a Chromium: an existing one (CHROMIUM_PATH
// or /usr/bin/chromium), else Debian's package when this machine can install
// it (root with apt-get, as on CI and the project's machines). Anything else
// stops with the one command that fixes it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canApt) {
  console.error(`The report test needs Chromium at ${path}. Install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
console.error('Installing Debian chromium for the report test (about 30 s)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
if (!existsSync(path)) {
  console.error(`apt-get installed chromium but ${path} does not exist; set CHROMIUM_PATH.`);
  process.exit(1);
}

// Prints line coverage per workspace package and the closing summary line of scripts/check.sh.
import fs from 'node:fs';
import path from 'node:path';

const [resultsFile, coverageFile] = process.argv.slice(2);
const root = process.cwd();

if (coverageFile && fs.existsSync(coverageFile)) {
  const summary = JSON.parse(fs.readFileSync(coverageFile, 'utf8'));
  const perPackage = new Map();
  for (const [file, data] of Object.entries(summary)) {
    if (file === 'total') continue;
    const rel = path.relative(root, file).split(path.sep);
    const pkg = rel.slice(0, 2).join('/');
    const acc = perPackage.get(pkg) ?? { covered: 0, total: 0 };
    acc.covered += data.lines.covered;
    acc.total += data.lines.total;
    perPackage.set(pkg, acc);
  }
  console.log('\nline coverage per package:');
  for (const [pkg, { covered, total }] of [...perPackage].sort()) {
    const pct = total === 0 ? 100 : (100 * covered) / total;
    console.log(`  ${pkg.padEnd(32)} ${pct.toFixed(1).padStart(5)}%  (${covered}/${total} lines)`);
  }
}

if (!resultsFile || !fs.existsSync(resultsFile)) {
  console.log('check: 0 passed, 1 failed');
  process.exit(0);
}
const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
// A suite that failed to load counts as a failure even though it ran no test.
const brokenFiles = (r.testResults ?? []).filter(
  (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
).length;
const failed = r.numFailedTests + brokenFiles;
console.log(`\ncheck: ${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);

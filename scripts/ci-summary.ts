// Sums vitest JSON reports into the line CI ends with: "tests: N passed, N failed".
// A report that is missing (the run crashed before writing it) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    process.stderr.write(`no test report at ${file}\n`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    success: boolean;
  };
  passed += report.numPassedTests;
  // A failed run with no failed test (a broken file or hook) still counts as a failure.
  failed += report.numFailedTests > 0 ? report.numFailedTests : report.success ? 0 : 1;
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;

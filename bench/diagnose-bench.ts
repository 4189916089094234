/**
 * `npm run bench:diagnose`: how fast the diagnosis engine explains one exchange. A benchmark that prints its
 * figures, not a timed test: nothing here asserts a speed.
 *
 * 1. Checks every case once: every rule id of the catalogue (../shared/RULES.md when present, else the rule table)
 *    must fire on at least one case, else it prints the silent ids and exits 1 (so it never measures nothing).
 * 2. Warms up, then runs ROUNDS × 10 000 diagnoses cycling through the cases (each with its recent history of the
 *    same origin, and a fixed `now`), timing each record with process.hrtime.bigint.
 * 3. Times each rule's check separately over the same 10 000 records and lists the slowest.
 * Environment: BENCH_ROUNDS (default 5), BENCH_RECORDS (default 10000).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagnose } from '../src/diagnosis/diagnose';
import type { DiagnosisContext } from '../src/diagnosis/rule';
import { RULES } from '../src/diagnosis/rules';
import { BENCH_NOW, type BenchCase, catalogueCases } from './catalogue-cases';

const RECORDS = positiveInt(process.env.BENCH_RECORDS, 10_000);
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 5);
const WARMUP = 3_000;
/** Time budgets, so that even a slow engine finishes in about half a minute (build included). */
const WARMUP_BUDGET_MS = 2_000;
const ROUNDS_BUDGET_MS = 12_000;
const PER_RULE_BUDGET_MS = 5_000;
const SLOW_RULE_US = 50;

function positiveInt(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function catalogueIds(): { ids: string[]; source: string } {
  // dist/bench/diagnose-bench.js → repository root is two levels up; the catalogue lives beside the repository.
  const candidates = [path.join(__dirname, '../../../shared/RULES.md'), path.join(__dirname, '../../shared/RULES.md')];
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    const ids = [...fs.readFileSync(file, 'utf8').matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    if (ids.length > 0) return { ids, source: path.relative(process.cwd(), file) || file };
  }
  return { ids: RULES.map((r) => r.id), source: 'the rule table (catalogue not found)' };
}

function contextOf(c: BenchCase): DiagnosisContext {
  return { history: c.history, now: BENCH_NOW, userTimeouts: [] };
}

function pad(text: string | number, width: number): string {
  const s = String(text);
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  const { failures, healthy } = catalogueCases();
  const cases = [...failures, ...healthy];
  const contexts = cases.map(contextOf);

  // 1. Check every case once.
  const { ids, source } = catalogueIds();
  const fired = new Set<string>();
  const notes: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const findings = diagnose(cases[i].record, contexts[i]);
    for (const f of findings) {
      fired.add(f.rule);
      if (/proxydoc bug/.test(f.summary)) notes.push(`rule ${f.rule} threw on case "${cases[i].name}"`);
    }
    const c = cases[i];
    if (c.expect && !findings.some((f) => f.rule === c.expect)) notes.push(`case "${c.name}" meant for ${c.expect} got [${findings.map((f) => f.rule).join(', ')}]`);
    if (!c.expect && findings.some((f) => f.severity === 'error')) notes.push(`healthy case "${c.name}" got error findings [${findings.map((f) => f.rule).join(', ')}]`);
  }
  const silent = ids.filter((id) => !fired.has(id));
  const historySizes = cases.map((c) => c.history.length);
  console.log(`proxydoc diagnose bench — Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${process.platform}/${process.arch}`);
  console.log(
    `cases: ${cases.length} (${failures.length} failing, ${healthy.length} healthy = ${fmt((100 * healthy.length) / cases.length, 0)} %); ` +
      `history per record: ${Math.min(...historySizes)}–${Math.max(...historySizes)} (mean ${fmt(historySizes.reduce((a, b) => a + b, 0) / cases.length)}); ` +
      `catalogue ids fired: ${ids.length - silent.length}/${ids.length} (${source})`,
  );
  for (const note of notes) console.log(`  note: ${note}`);
  if (silent.length > 0) {
    console.error(`These catalogue rule ids fired on no case: ${silent.join(', ')}`);
    process.exit(1);
  }

  // 2. Warm up, then time whole diagnoses.
  let sink = 0;
  const warmupStart = Date.now();
  let warmed = 0;
  for (; warmed < WARMUP && (warmed % cases.length !== 0 || Date.now() - warmupStart < WARMUP_BUDGET_MS); warmed++) {
    sink += diagnose(cases[warmed % cases.length].record, contexts[warmed % cases.length]).length;
  }

  const perRecordNs = new Float64Array(RECORDS);
  const rounds: Array<{ perSecond: number; meanUs: number; p50Us: number; p99Us: number; maxUs: number }> = [];
  const slowestByCase = new Map<number, number>();
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0 && Date.now() - started > ROUNDS_BUDGET_MS) break;
    const roundStart = process.hrtime.bigint();
    for (let i = 0; i < RECORDS; i++) {
      const k = i % cases.length;
      const t0 = process.hrtime.bigint();
      sink += diagnose(cases[k].record, contexts[k]).length;
      perRecordNs[i] = Number(process.hrtime.bigint() - t0);
    }
    const roundNs = Number(process.hrtime.bigint() - roundStart);
    for (let i = 0; i < cases.length && i < RECORDS; i++) {
      // Per case, the mean over the round (for the slowest-cases line).
      let sum = 0;
      let n = 0;
      for (let j = i; j < RECORDS; j += cases.length) { sum += perRecordNs[j]; n++; }
      slowestByCase.set(i, (slowestByCase.get(i) ?? 0) + sum / n);
    }
    const sorted = Float64Array.from(perRecordNs).sort();
    const total = perRecordNs.reduce((a, b) => a + b, 0);
    rounds.push({
      perSecond: RECORDS / (roundNs / 1e9),
      meanUs: total / RECORDS / 1e3,
      p50Us: sorted[Math.floor(RECORDS * 0.5)] / 1e3,
      p99Us: sorted[Math.min(RECORDS - 1, Math.ceil(RECORDS * 0.99) - 1)] / 1e3,
      maxUs: sorted[RECORDS - 1] / 1e3,
    });
  }

  console.log('');
  const cut = rounds.length < ROUNDS ? ` (${rounds.length} of ${ROUNDS} rounds: the ${ROUNDS_BUDGET_MS / 1000} s budget ran out)` : '';
  console.log(`diagnose(): ${thousands(RECORDS)} records per round, after ${thousands(warmed)} warm-up${cut}`);
  console.log(`  round    records/s   mean µs    p50 µs    p99 µs     max µs`);
  rounds.forEach((r, i) =>
    console.log(`  ${pad(i + 1, 5)} ${pad(thousands(r.perSecond), 12)} ${pad(fmt(r.meanUs), 9)} ${pad(fmt(r.p50Us), 9)} ${pad(fmt(r.p99Us), 9)} ${pad(fmt(r.maxUs), 10)}`),
  );
  console.log(
    `  median ${pad(thousands(median(rounds.map((r) => r.perSecond))), 11)} ${pad(fmt(median(rounds.map((r) => r.meanUs))), 9)} ${pad(fmt(median(rounds.map((r) => r.p50Us))), 9)} ${pad(fmt(median(rounds.map((r) => r.p99Us))), 9)} ${pad(fmt(median(rounds.map((r) => r.maxUs))), 10)}`,
  );
  const slowCases = [...slowestByCase.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  console.log(`  slowest cases (mean µs): ${slowCases.map(([k, ns]) => `${cases[k].name} ${fmt(ns / rounds.length / 1e3)}`).join('; ')}`);

  // 3. Time each rule's check separately over the same records (every rule runs, fallbacks included).
  const ruleNs = new Float64Array(RULES.length);
  const ruleMaxNs = new Float64Array(RULES.length);
  const ruleWorstCase = new Int32Array(RULES.length);
  // Whole cycles through the cases only, so the mix stays the same when the budget cuts the pass short.
  const perRuleStart = Date.now();
  let timed = 0;
  for (; timed < RECORDS && (timed % cases.length !== 0 || Date.now() - perRuleStart < PER_RULE_BUDGET_MS); timed++) {
    const k = timed % cases.length;
    const record = cases[k].record;
    const context = contexts[k];
    for (let r = 0; r < RULES.length; r++) {
      const t0 = process.hrtime.bigint();
      sink += RULES[r].check(record, context).length;
      const ns = Number(process.hrtime.bigint() - t0);
      ruleNs[r] += ns;
      if (ns > ruleMaxNs[r]) { ruleMaxNs[r] = ns; ruleWorstCase[r] = k; }
    }
  }
  const order = [...RULES.keys()].sort((a, b) => ruleNs[b] - ruleNs[a]);
  const allRulesNs = ruleNs.reduce((a, b) => a + b, 0);
  console.log('');
  console.log(`rule.check() alone, ${thousands(timed)} records${timed < RECORDS ? ' (budget)' : ''}: all ${RULES.length} rules ${fmt(allRulesNs / timed / 1e3)} µs/record; slowest 5:`);
  console.log(`  rule                           total ms   µs/record   share    max µs  (on case)`);
  for (const r of order.slice(0, 5)) {
    console.log(
      `  ${RULES[r].id.padEnd(28)} ${pad(fmt(ruleNs[r] / 1e6), 10)} ${pad(fmt(ruleNs[r] / timed / 1e3, 2), 11)} ${pad(fmt((100 * ruleNs[r]) / allRulesNs), 6)} % ${pad(fmt(ruleMaxNs[r] / 1e3), 9)}  (${cases[ruleWorstCase[r]].name})`,
    );
  }
  const slow = order.filter((r) => ruleNs[r] / timed / 1e3 > SLOW_RULE_US);
  if (slow.length > 0) {
    console.log(`  over ${SLOW_RULE_US} µs/record on average: ${slow.map((r) => `${RULES[r].id} ${fmt(ruleNs[r] / timed / 1e3, 0)}`).join(', ')}`);
  }
  console.log(`(${thousands(sink)} findings produced; ${fmt(process.uptime())} s in node)`);
}

main();

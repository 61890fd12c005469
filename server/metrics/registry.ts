/**
 * A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Enough
 * for the relay's own metrics without a dependency; the gateway registers its metrics here too.
 * @module
 */

type Labels = Record<string, string | number>

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

/** Options of every metric. */
export interface MetricOptions<L extends string> {
  name: string
  help: string
  labels?: readonly L[]
}

abstract class Metric<L extends string> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
  abstract readonly type: 'counter' | 'gauge' | 'histogram'

  constructor(options: MetricOptions<L>) {
    if (!NAME.test(options.name)) throw new RangeError(`metric name "${options.name}" is invalid`)
    for (const l of options.labels ?? []) if (!LABEL.test(l) || l === 'le') throw new RangeError(`label "${l}" is invalid`)
    this.name = options.name
    this.help = options.help
    this.labelNames = options.labels ?? []
  }

  /** The label part `{a="1",b="x"}` in declared order; throws on unknown or missing labels. */
  protected key(labels: Partial<Record<L, string | number>> | undefined): string {
    const given = labels ?? {}
    for (const k of Object.keys(given)) if (!this.labelNames.includes(k as L)) throw new RangeError(`metric ${this.name} has no label "${k}"`)
    if (this.labelNames.length === 0) return ''
    return this.labelNames
      .map((l) => {
        const value = (given as Labels)[l]
        if (value === undefined) throw new RangeError(`metric ${this.name} needs label "${l}"`)
        return `${l}="${escapeLabel(String(value))}"`
      })
      .join(',')
  }

  abstract lines(): string[]
}

/** A monotonically increasing count. */
export class Counter<L extends string = never> extends Metric<L> {
  readonly type = 'counter'
  private readonly values = new Map<string, number>()

  /** Adds `n` (default 1, must be ≥ 0). */
  inc(labels?: Partial<Record<L, string | number>>, n = 1): void {
    if (!(n >= 0)) throw new RangeError(`counter ${this.name} cannot decrease`)
    const k = this.key(labels)
    this.values.set(k, (this.values.get(k) ?? 0) + n)
  }

  /** Current value for `labels` (0 if never incremented). */
  get(labels?: Partial<Record<L, string | number>>): number {
    return this.values.get(this.key(labels)) ?? 0
  }

  lines(): string[] {
    if (this.values.size === 0 && this.labelNames.length === 0) return [`${this.name} 0`]
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${formatNumber(v)}`)
  }
}

/** A value that goes up and down; `collect` may compute it at scrape time. */
export class Gauge<L extends string = never> extends Metric<L> {
  readonly type = 'gauge'
  private readonly values = new Map<string, number>()
  private readonly collect?: (gauge: Gauge<L>) => void

  constructor(options: MetricOptions<L> & { collect?: (gauge: Gauge<L>) => void }) {
    super(options)
    this.collect = options.collect
  }

  set(labels: Partial<Record<L, string | number>> | undefined, value: number): void {
    this.values.set(this.key(labels), value)
  }

  inc(labels?: Partial<Record<L, string | number>>, n = 1): void {
    const k = this.key(labels)
    this.values.set(k, (this.values.get(k) ?? 0) + n)
  }

  dec(labels?: Partial<Record<L, string | number>>, n = 1): void {
    this.inc(labels, -n)
  }

  get(labels?: Partial<Record<L, string | number>>): number {
    return this.values.get(this.key(labels)) ?? 0
  }

  lines(): string[] {
    this.collect?.(this)
    if (this.values.size === 0 && this.labelNames.length === 0) return [`${this.name} 0`]
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${formatNumber(v)}`)
  }
}

/** Default buckets in seconds, from 0.5 ms to 10 s. */
export const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** A distribution over fixed cumulative buckets. */
export class Histogram<L extends string = never> extends Metric<L> {
  readonly type = 'histogram'
  readonly buckets: readonly number[]
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>()

  constructor(options: MetricOptions<L> & { buckets?: readonly number[] }) {
    super(options)
    const b = [...(options.buckets ?? DEFAULT_BUCKETS)]
    for (let i = 1; i < b.length; i++) if (!(b[i] > b[i - 1])) throw new RangeError(`histogram ${this.name} buckets must increase`)
    this.buckets = b
  }

  observe(labels: Partial<Record<L, string | number>> | undefined, value: number): void {
    const k = this.key(labels)
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }))
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++
    s.sum += value
    s.count++
  }

  /** Starts a timer; the returned function observes the elapsed seconds. */
  startTimer(labels?: Partial<Record<L, string | number>>): (more?: Partial<Record<L, string | number>>) => number {
    const t0 = process.hrtime.bigint()
    return (more) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      this.observe({ ...labels, ...more } as Partial<Record<L, string | number>>, seconds)
      return seconds
    }
  }

  /** Number of observations for `labels`. */
  count(labels?: Partial<Record<L, string | number>>): number {
    return this.series.get(this.key(labels))?.count ?? 0
  }

  lines(): string[] {
    const out: string[] = []
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : ''
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${formatNumber(b)}"} ${s.counts[i]}`))
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`)
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${formatNumber(s.sum)}`)
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`)
    }
    return out
  }
}

/**
 * Holds metrics by name and renders them. Registering a name twice returns the first metric if the
 * type matches (so a plugin can re-register on restart), and throws otherwise.
 * @example
 * ```ts
 * const registry = new Registry()
 * const frames = registry.counter({ name: 'mt_frames_total', help: 'Frames', labels: ['dir'] })
 * frames.inc({ dir: 'in' })
 * registry.render() // "# HELP mt_frames_total Frames\n# TYPE mt_frames_total counter\nmt_frames_total{dir=\"in\"} 1\n"
 * ```
 */
export class Registry {
  private readonly metrics = new Map<string, Metric<string>>()

  private add<M extends Metric<string>>(metric: M): M {
    const existing = this.metrics.get(metric.name)
    if (existing) {
      if (existing.type !== metric.type) throw new RangeError(`metric ${metric.name} already registered as ${existing.type}`)
      return existing as M
    }
    this.metrics.set(metric.name, metric)
    return metric
  }

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.add(new Counter<L>(options) as unknown as Metric<string>) as unknown as Counter<L>
  }

  gauge<L extends string = never>(options: MetricOptions<L> & { collect?: (gauge: Gauge<L>) => void }): Gauge<L> {
    return this.add(new Gauge<L>(options) as unknown as Metric<string>) as unknown as Gauge<L>
  }

  histogram<L extends string = never>(options: MetricOptions<L> & { buckets?: readonly number[] }): Histogram<L> {
    return this.add(new Histogram<L>(options) as unknown as Metric<string>) as unknown as Histogram<L>
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const out: string[] = []
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
      out.push(`# TYPE ${m.name} ${m.type}`)
      out.push(...m.lines())
    }
    return `${out.join('\n')}\n`
  }
}

/** Content-Type of {@link Registry.render}. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

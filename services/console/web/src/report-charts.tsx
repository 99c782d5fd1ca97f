// Small SVG charts drawn here: no chart library, nothing fetched from elsewhere.
import { dateTime } from "./format.ts"
import { t } from "./i18n.ts"

export interface Bar {
  readonly label: string
  readonly value: number | null
  readonly className?: string
  readonly title?: string
}

/** Vertical bars with an optional target line; `max` fixes the scale (e.g. 1 for shares). */
export const BarChart = ({ bars, max, target, format, testId }: {
  readonly bars: ReadonlyArray<Bar>
  readonly max?: number
  readonly target?: { readonly value: number; readonly label: string }
  readonly format: (v: number) => string
  readonly testId?: string
}) => {
  const width = Math.max(320, bars.length * 34 + 40)
  const height = 180
  const top = 14
  const bottom = 28
  const plot = height - top - bottom
  const scale = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0), target?.value ?? 0)
  const y = (v: number) => top + plot - (Math.min(v, scale) / scale) * plot
  const step = (width - 40) / Math.max(1, bars.length)
  return (
    <svg class="chart" data-testid={testId} viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img">
      <line x1={36} y1={top + plot} x2={width} y2={top + plot} class="axis" />
      <text x={32} y={top + 4} class="tick" text-anchor="end">{format(scale)}</text>
      <text x={32} y={top + plot} class="tick" text-anchor="end">{format(0)}</text>
      {bars.map((b, i) => {
        const x = 40 + i * step
        const v = b.value ?? 0
        return (
          <g key={b.label}>
            <title>{b.title ?? `${b.label}: ${b.value === null ? t().reports.noData : format(b.value)}`}</title>
            {b.value === null
              ? <text x={x + step / 2} y={top + plot - 4} class="tick" text-anchor="middle">–</text>
              : // A zero still shows, as a sliver: "none within 60 s" is not "no data".
              <rect x={x + 3} y={Math.min(y(v), top + plot - 2)} width={Math.max(2, step - 6)} height={Math.max(2, top + plot - y(v))} class={`bar ${b.className ?? ""}`} />}
            <text x={x + step / 2} y={height - 10} class="tick" text-anchor="middle">{b.label}</text>
          </g>
        )
      })}
      {target === undefined ? null : (
        <g>
          <line x1={36} y1={y(target.value)} x2={width} y2={y(target.value)} class="target" />
          <text x={width - 4} y={y(target.value) - 3} class="tick target-label" text-anchor="end">{target.label}</text>
        </g>
      )}
    </svg>
  )
}

/** Intervals on a time axis, one lane each: floods and responsibility gaps over the day. */
export const IntervalChart = ({ intervals, fromMs, toMs, testId }: {
  readonly intervals: ReadonlyArray<{ readonly label: string; readonly fromMs: number; readonly toMs: number; readonly className?: string }>
  readonly fromMs: number
  readonly toMs: number
  readonly testId?: string
}) => {
  const width = 720
  const lane = 16
  const height = 30 + intervals.length * lane
  const x = (ms: number) => 120 + ((Math.min(Math.max(ms, fromMs), toMs) - fromMs) / (toMs - fromMs)) * (width - 130)
  const hours = [0, 6, 12, 18, 24]
  return (
    <svg class="chart" data-testid={testId} viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img">
      {hours.map((h) => {
        const at = x(fromMs + (h / 24) * (toMs - fromMs))
        return (
          <g key={h}>
            <line x1={at} y1={0} x2={at} y2={height - 16} class="grid" />
            <text x={at} y={height - 4} class="tick" text-anchor="middle">{t().reports.hours(h)}</text>
          </g>
        )
      })}
      {intervals.map((iv, i) => (
        <g key={`${iv.label}-${i}`}>
          <title>{`${iv.label}: ${dateTime(iv.fromMs)} – ${dateTime(iv.toMs)}`}</title>
          <text x={114} y={12 + i * lane + 10} class="tick" text-anchor="end">{iv.label.length > 16 ? `${iv.label.slice(0, 15)}…` : iv.label}</text>
          <rect x={x(iv.fromMs)} y={12 + i * lane} width={Math.max(2, x(iv.toMs) - x(iv.fromMs))} height={lane - 4} class={`bar ${iv.className ?? ""}`} />
        </g>
      ))}
    </svg>
  )
}

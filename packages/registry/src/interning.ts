/**
 * A fleet's rows repeat a few dozen values ("sensor", "plan-standard", "kitchen", the
 * tenant) as a fresh string in every row. Held for 100,000 devices, those copies were a
 * third of triage-bulk's heap; one shared copy of each is enough. Only for values drawn
 * from a small set: interning ids would keep every id ever seen.
 */
export const makeInterner = () => {
  const seen = new Map<string, string>()
  return <S extends string>(value: S): S => {
    const known = seen.get(value)
    if (known !== undefined) return known as S
    seen.set(value, value)
    return value
  }
}

/**
 * A small checker for the constraints of the profiles the export claims: cardinalities,
 * fixed values and patterns, required bindings, reference targets, and slices told apart
 * by a pattern or a value set, on paths of a resource. No validator on the npm registry
 * checks these profiles (FHIR.js validates against the base R4 definitions only;
 * @atomic-ehr/fhirschema 0.0.14 stops at a slice told apart by a value set and does not
 * check max 0 or fixed values outside slices), so the tests use this one, driven by the
 * profiles restated in our own words (profiles.fixture.ts).
 */

export interface ValueSetFixture {
  readonly url: string
  readonly title: string
  /** Codes per system; a code system listed with no codes admits every code of that system. */
  readonly include: ReadonlyArray<{ readonly system: string; readonly codes?: ReadonlyArray<string> }>
}

export interface Rule {
  /** Dot path below the element the rule is on ("" = the element itself). */
  readonly path: string
  readonly min?: number
  /** Absent: unbounded. */
  readonly max?: number
  /** Every value equals this. */
  readonly fixed?: unknown
  /** Every value holds this pattern (each property present with a matching value; arrays: each pattern item in some value item). */
  readonly pattern?: unknown
  /** Required binding: a code, Coding or (at least one Coding of) CodeableConcept from the value set. */
  readonly binding?: string
  /** Every value is a Reference to this resource type. */
  readonly referenceTo?: string
  /** Every value equals the value at this path from the resource's root (an invariant such as BALP's val-audit-source). */
  readonly equalsRootPath?: string
  readonly slices?: ReadonlyArray<Slice>
  /** Rules applied to every value (e.g. each participant has exactly one type). */
  readonly each?: ReadonlyArray<Rule>
}

export interface Slice {
  readonly name: string
  /** An item is in the slice when the value at `path` holds `pattern`, or has a coding in `valueSet`. */
  readonly discriminator: { readonly path: string; readonly pattern?: unknown; readonly valueSet?: string }
  readonly min: number
  readonly max?: number
  readonly rules: ReadonlyArray<Rule>
}

export interface ProfileFixture {
  readonly url: string
  readonly resourceType: string
  readonly parent?: string
  /** Where the constraints were read. */
  readonly source: string
  readonly rules: ReadonlyArray<Rule>
}

export interface CheckResult {
  readonly issues: ReadonlyArray<string>
  /** For each sliced path, the slice each item fell into (undefined: none, allowed by open slicing). */
  readonly slicesOf: ReadonlyMap<string, ReadonlyArray<string | undefined>>
}

const valuesAt = (node: unknown, path: string): ReadonlyArray<unknown> => {
  if (path === "") return node === undefined ? [] : Array.isArray(node) ? node : [node]
  let current: ReadonlyArray<unknown> = Array.isArray(node) ? node : [node]
  for (const step of path.split(".")) {
    current = current.flatMap((v) => {
      if (typeof v !== "object" || v === null) return []
      const next = (v as Record<string, unknown>)[step]
      return next === undefined ? [] : Array.isArray(next) ? next : [next]
    })
  }
  return current
}

export const holdsPattern = (value: unknown, pattern: unknown): boolean => {
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((p) => value.some((v) => holdsPattern(v, p)))
  if (typeof pattern === "object" && pattern !== null) {
    if (typeof value !== "object" || value === null) return false
    return Object.entries(pattern).every(([k, p]) => holdsPattern((value as Record<string, unknown>)[k], p))
  }
  return value === pattern
}

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const inValueSet = (vs: ValueSetFixture, system: string | undefined, code: unknown) =>
  typeof code === "string" && vs.include.some((i) => (system === undefined || i.system === system) && (i.codes === undefined || i.codes.includes(code)))

const codingsOf = (value: unknown): ReadonlyArray<{ readonly system?: string; readonly code?: unknown }> => {
  if (typeof value === "string") return [{ code: value }]
  if (typeof value !== "object" || value === null) return []
  const v = value as { coding?: unknown; code?: unknown; system?: unknown }
  if (Array.isArray(v.coding)) return v.coding as ReadonlyArray<{ system?: string; code?: unknown }>
  return "code" in v ? [v as { system?: string; code?: unknown }] : []
}

const bound = (vs: ValueSetFixture, value: unknown) => codingsOf(value).some((c) => inValueSet(vs, c.system, c.code))

/** Every rule of the profile and of the profiles it derives from, the parent's first. */
export const rulesOf = (profiles: ReadonlyMap<string, ProfileFixture>, url: string): ReadonlyArray<Rule> => {
  const profile = profiles.get(url)
  if (profile === undefined) throw new Error(`no fixture for profile ${url}`)
  return [...(profile.parent === undefined ? [] : rulesOf(profiles, profile.parent)), ...profile.rules]
}

/** Checks a resource against one profile; every problem as one line naming the path. */
export const checkProfile = (
  resource: { readonly resourceType: string },
  url: string,
  profiles: ReadonlyMap<string, ProfileFixture>,
  valueSets: ReadonlyMap<string, ValueSetFixture>
): CheckResult => {
  const profile = profiles.get(url)
  const issues: Array<string> = []
  const slicesOf = new Map<string, Array<string | undefined>>()
  if (profile === undefined) return { issues: [`no fixture for profile ${url}`], slicesOf }
  if (resource.resourceType !== profile.resourceType) issues.push(`${url} is a profile of ${profile.resourceType}, not ${resource.resourceType}`)
  const valueSet = (vsUrl: string) => {
    const vs = valueSets.get(vsUrl)
    if (vs === undefined) issues.push(`no fixture for value set ${vsUrl}`)
    return vs
  }

  const apply = (node: unknown, rule: Rule, where: string) => {
    const at = rule.path === "" ? where : `${where}.${rule.path}`
    const values = valuesAt(node, rule.path)
    if (rule.min !== undefined && values.length < rule.min) issues.push(`${at}: ${values.length} present, at least ${rule.min} required`)
    if (rule.max !== undefined && values.length > rule.max) issues.push(`${at}: ${values.length} present, at most ${rule.max} allowed`)
    for (const v of values) {
      if (rule.fixed !== undefined && !deepEqual(v, rule.fixed)) issues.push(`${at}: ${JSON.stringify(v)} is not the fixed ${JSON.stringify(rule.fixed)}`)
      if (rule.pattern !== undefined && !holdsPattern(v, rule.pattern)) issues.push(`${at}: ${JSON.stringify(v)} does not hold the pattern ${JSON.stringify(rule.pattern)}`)
      if (rule.binding !== undefined) {
        const vs = valueSet(rule.binding)
        if (vs !== undefined && !bound(vs, v)) issues.push(`${at}: ${JSON.stringify(v)} is not in the value set ${rule.binding} (${vs.title})`)
      }
      if (rule.referenceTo !== undefined) {
        const ref = v as { type?: unknown; reference?: unknown }
        const type = typeof ref.type === "string" ? ref.type : typeof ref.reference === "string" ? ref.reference.split("/").at(-2) : undefined
        if (type !== rule.referenceTo) issues.push(`${at}: a reference to ${String(type)}, not to ${rule.referenceTo}`)
      }
      if (rule.equalsRootPath !== undefined) {
        const expected = valuesAt(resource, rule.equalsRootPath)[0]
        if (!deepEqual(v, expected)) issues.push(`${at}: not the same as ${rule.equalsRootPath}`)
      }
    }
    if (rule.each !== undefined) values.forEach((v, i) => rule.each!.forEach((r) => apply(v, r, `${at}[${i}]`)))
    if (rule.slices !== undefined) {
      const membership = values.map((item) =>
        rule.slices!.find((s) => {
          const discriminated = valuesAt(item, s.discriminator.path)
          if (s.discriminator.pattern !== undefined) return discriminated.some((d) => holdsPattern(d, s.discriminator.pattern))
          const vs = s.discriminator.valueSet === undefined ? undefined : valueSet(s.discriminator.valueSet)
          return vs !== undefined && discriminated.some((d) => bound(vs, d))
        })?.name
      )
      slicesOf.set(at, membership)
      for (const slice of rule.slices) {
        const items = values.filter((_, i) => membership[i] === slice.name)
        if (items.length < slice.min) issues.push(`${at}[${slice.name}]: ${items.length} present, at least ${slice.min} required`)
        if (slice.max !== undefined && items.length > slice.max) issues.push(`${at}[${slice.name}]: ${items.length} present, at most ${slice.max} allowed`)
        items.forEach((item, i) => {
          for (const r of slice.rules) apply(item, r, `${at}[${slice.name}][${i}]`)
        })
      }
    }
  }

  for (const rule of rulesOf(profiles, url)) apply(resource, rule, resource.resourceType)
  return { issues, slicesOf }
}

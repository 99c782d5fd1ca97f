/**
 * JSON Pointer (RFC 6901): "" is the whole document, "/a/0/b" walks object keys and array
 * indexes, "~1" stands for "/" and "~0" for "~" inside a key. Mapping files name where the
 * device id, time and kind are in a vendor's JSON this way.
 */

export const PointerPattern = /^(\/([^~/]|~[01])*)*$/u

export const isPointer = (text: string): boolean => PointerPattern.test(text)

const tokens = (pointer: string): ReadonlyArray<string> =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"))

/** The value at `pointer`, or undefined when the path does not exist. Own properties only. */
export const resolvePointer = (document: unknown, pointer: string): unknown => {
  let at: unknown = document
  for (const token of tokens(pointer)) {
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]{0,8})$/u.test(token)) return undefined
      at = at[Number(token)]
    } else if (typeof at === "object" && at !== null) {
      if (!Object.hasOwn(at, token)) return undefined
      at = (at as Record<string, unknown>)[token]
    } else {
      return undefined
    }
  }
  return at
}

import { t } from "./i18n.ts"

/** The codes a note may be filed under (the server's `HandlingCode`). */
export const noteCodes = [8, 10, 1, 4, 5, 9, 3, 0] as const

/** A national handling-log code's name (VKP), in the current language. */
export const codeName = (code: number) => t().handlingCode[code] ?? ""

export const codeLabel = (code: number | undefined) =>
  code === undefined ? "" : `${code} ${codeName(code)}`.trim()

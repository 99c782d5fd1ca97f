/** An address the registry has coordinates for (an administrator's typed-in address may have none): only these go on a map or into a call-out. */
export const hasCoordinates = <A extends { readonly lat?: number | undefined; readonly lon?: number | undefined }>(a: A): a is A & { readonly lat: number; readonly lon: number } =>
  Number.isFinite(a.lat) && Number.isFinite(a.lon)

export { canonicalJson, canonicalJsonBytes } from "./canonical-json.ts"
export { fromHex, HashBytes, leafHash, leafHashText, nodeHash, nodeHashText, sha256, toHex } from "./hashing.ts"
export { merkleRoot, merkleRootHexOfText, merkleTree, type MerkleTree, verifyAuditPath } from "./merkle.ts"
export {
  AuditSeal,
  GenesisSealHash,
  headerOf,
  LeafDigestBytes,
  makeSeal,
  packLeafDigests,
  SealHeader,
  sealHash,
  type SealInput,
  verifySealSignature
} from "./seal.ts"
export {
  generateSealKey,
  keyIdOf,
  privateKeyPem,
  publicKeyPem,
  type SealKey,
  sealKeyFromPem,
  type SealPublicKey,
  sealPublicKeyFromPem
} from "./seal-key.ts"
export {
  type BreakKind,
  type Broken,
  chainVerifier,
  type ChainVerifier,
  checkSeals,
  type Intact,
  type StoredEntry,
  type Verdict,
  verifyAuditTrail,
  type VerifyOptions
} from "./verify.ts"
export { type InclusionProof, proveInclusion, verifyInclusion } from "./inclusion.ts"
export {
  anchorLine,
  type AnchorLines,
  anchorOfSeal,
  AnchorRecord,
  type AnchorState,
  anchorState,
  baselineOf,
  baselineSealStreamSeq,
  checkAgainstAnchors,
  type ObservedTrail,
  parseAnchorLines,
  SealAnchor,
  TrailAcknowledgment,
  type TrailBaseline,
  trailFindings
} from "./anchor.ts"
export {
  checkKeyRotation,
  keyFingerprint,
  KeyRotation,
  makeKeyRotation,
  type TrustChain,
  trustChain,
  type TrustedKey
} from "./key-rotation.ts"

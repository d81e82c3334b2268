/** Masking core: detectors, rules, JSON/text/stream maskers. Pure (node:crypto for HMAC only). */
export { compileMaskingRules, expandDetector, MaskingRulesError } from './compile';
export type { CompiledMasking, CompiledRule, CompileMaskingOptions, MaskingSpecError, MaskWhere } from './compile';
export { maskJson } from './mask-json';
export { maskText, selectRules, detect, applyMasks } from './mask-text';
export type { MaskOptions, MaskResult, MaskSpan } from './mask-text';
export type { MaskingRules } from '../../generated/masking-rules';
export { previewMasking } from './preview';
export type { PreviewOptions, PreviewResult } from './preview';
export { StreamTextMasker } from './stream-text-masker';
export { SseMasker } from './sse-masker';
export { builtinDetectorNames } from './detectors';
export type { BuiltinDetectorName } from './detectors';

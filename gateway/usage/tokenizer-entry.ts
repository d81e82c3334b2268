// The tokenizer's own bundle (dist/tokenizer.js, built with the gateway): o200k_base's ranks are
// 2.4 MB, so they stay out of dist/gateway.js and load on the first estimate only.
export { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

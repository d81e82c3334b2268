/**
 * A JSON value with its JSON text already made: `json` is `Buffer.from(JSON.stringify(value))`,
 * byte for byte. The masked request body is serialized once to go upstream (and a masked answer
 * once to go to the client); when that copy is also the audit copy, the record takes these bytes
 * instead of serializing the value a second time (issue 23: "never re-serialize what is already
 * serialized"). The audit writer embeds `json` as it is (audit/record-chain.ts), so only code that
 * made the bytes from the value itself (jsonBytes, JSON.stringify) may pair them: a pair is true
 * by construction, never checked.
 *
 * @example
 * const v = { model: 'm', messages: [] };
 * new SerializedValue(v, jsonBytes(v)) // the record holds `v`, its line these bytes
 */
export class SerializedValue {
  constructor(
    readonly value: unknown,
    readonly json: Buffer,
  ) {}
}

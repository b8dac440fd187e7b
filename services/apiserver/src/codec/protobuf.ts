/**
 * The Kubernetes protobuf codec between the JSON shape and the wire bytes (see fixtures README):
 * encoding in protobuf-encode.ts, decoding in protobuf-decode.ts; this module is the one import.
 */
export { encodeMessage, encodeObjectProtobuf } from './protobuf-encode';
export { decodeMessage, decodeObjectProtobuf } from './protobuf-decode';

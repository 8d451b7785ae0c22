/** The wire layer: client packets and messages, handshake, JSON bodies, byte helpers. No Node-only imports. */
export { allocBytes, concatBytes, utf8Decode, utf8Encode, utf8Length } from './bytes.js';
export { ConfigError, ProtocolError, ProtocolErrorCodes, SwitchyardError, type ProtocolErrorCode } from './errors.js';
export {
  encodeHandshake,
  HandshakeCode,
  parseHandshake,
  parseHandshakeResponse,
  type HandshakeRequest,
  type HandshakeResponse,
  type HandshakeSys,
} from './handshake.js';
export { encodeJsonBody, parseJsonBody, parseJsonText } from './json-body.js';
export { RECONNECT_KICK_REASON } from './kick-reasons.js';
export {
  decodeMessage,
  encodeMessage,
  encodeMessagePacket,
  FLAG_COMPRESSED,
  FLAG_ERROR,
  FLAG_ROUTE_CODE,
  MAX_MESSAGE_ID,
  MAX_ROUTE_BYTES,
  MessageType,
  type Message,
  type MessageSpec,
} from './message.js';
export {
  decodeFramePackets,
  DEFAULT_MAX_PACKET_SIZE,
  encodePacket,
  PACKET_HEADER_SIZE,
  PACKET_MAX_BODY,
  PacketType,
  type Packet,
} from './packet.js';
export { PacketStreamDecoder } from './packet-stream-decoder.js';
export { MAX_ROUTE_CODE, RouteDictionary } from './route-dictionary.js';
export { base64Decode, base64Encode } from './base64.js';
export type { BinaryCodec, JsonObject, JsonValue, ProtoCodec } from './proto-codec.js';
export { ProtoReader, type ProtoReaderOptions } from './proto-reader.js';
export { ProtoWriter, WireType, varintSize } from './proto-writer.js';

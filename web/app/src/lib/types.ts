// The API's shapes, from its OpenAPI document (api-schema.d.ts is generated: `npm run web:types`),
// never copied by hand: when the server changes one, the app's type check says where it mattered.
import type { components } from "./api-schema";

export type Schemas = components["schemas"];
export type Reel = Schemas["Reel"];
export type LiveStream = Schemas["LiveStream"];
export type Comment = Schemas["Comment"];
export type PublicProfile = Schemas["PublicProfile"];
/** A chat message on a live stream's socket (the socket's messages are the document's `LiveSocketMessage`). */
export type ChatMessage = Extract<Schemas["LiveSocketMessage"], { type: "CHAT" }>["data"];

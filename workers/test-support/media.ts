import { env } from "cloudflare:workers";

const decode = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

/** Real media bytes made by ffmpeg in the global setup. */
export const sampleVideo = () => decode(env.SAMPLE_VIDEO_BASE64);
export const samplePng = () => decode(env.SAMPLE_PNG_BASE64);

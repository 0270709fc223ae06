// hls.js ships the light build (no subtitles, alternate audio or DRM: our masters have none) without its own types;
// its API is the full build's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}

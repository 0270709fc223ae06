// The codecs an upload may carry, and the FFmpeg decoders allowed to open them: every other decoder (dozens of rarely
// fuzzed ones for game formats, screen captures, images) stays out of reach of an uploaded file.

/** ffprobe's codec_name → the decoders FFmpeg may pick for it (its default first; Debian's build has both). */
const videoCodecs: Record<string, string[]> = {
  h264: ['h264'],
  hevc: ['hevc'],
  vp8: ['vp8', 'libvpx'],
  vp9: ['vp9', 'libvpx-vp9'],
  av1: ['libdav1d', 'libaom-av1', 'av1'],
  mpeg1video: ['mpeg1video'],
  mpeg2video: ['mpeg2video', 'mpegvideo'],
  mpeg4: ['mpeg4'],
  h263: ['h263'],
  flv1: ['flv'],
  mjpeg: ['mjpeg'],
  prores: ['prores'],
  dnxhd: ['dnxhd'],
  dvvideo: ['dvvideo'],
  theora: ['theora'],
  vc1: ['vc1'],
  wmv3: ['wmv3'],
  wmv2: ['wmv2'],
  msmpeg4v3: ['msmpeg4'],
};

const audioCodecs: Record<string, string[]> = {
  aac: ['aac', 'aac_fixed'],
  mp3: ['mp3float', 'mp3'],
  mp2: ['mp2float', 'mp2'],
  ac3: ['ac3', 'ac3_fixed'],
  eac3: ['eac3'],
  dts: ['dca'],
  opus: ['opus', 'libopus'],
  vorbis: ['vorbis', 'libvorbis'],
  flac: ['flac'],
  alac: ['alac'],
  wmav2: ['wmav2'],
  amr_nb: ['amrnb'],
  amr_wb: ['amrwb'],
  pcm_s16le: ['pcm_s16le'],
  pcm_s16be: ['pcm_s16be'],
  pcm_s24le: ['pcm_s24le'],
  pcm_s24be: ['pcm_s24be'],
  pcm_s32le: ['pcm_s32le'],
  pcm_f32le: ['pcm_f32le'],
  pcm_u8: ['pcm_u8'],
  pcm_mulaw: ['pcm_mulaw'],
  pcm_alaw: ['pcm_alaw'],
};

// Never decoded by the transcode, but ffprobe opens a decoder for every stream and fails the whole file when one is
// not allowed: subtitles and cover art are common in real uploads.
const probeOnlyDecoders = [
  ...['ass', 'ssa', 'subrip', 'srt', 'mov_text', 'webvtt', 'dvdsub', 'dvbsub', 'pgssub'],
  // Closed captions (EIA-608 in phone and broadcast files) and broadcast teletext.
  ...['cc_dec', 'libzvbi_teletextdec'],
  'png',
];

/** `-codec_whitelist` of every ffprobe and ffmpeg run on an upload. */
export const decoderWhitelist: readonly string[] = [
  ...Object.values(videoCodecs).flat(),
  ...Object.values(audioCodecs).flat(),
  ...probeOnlyDecoders,
];

export const isWhitelistedVideoCodec = (codec: string): boolean => Object.hasOwn(videoCodecs, codec);
export const isWhitelistedAudioCodec = (codec: string): boolean => Object.hasOwn(audioCodecs, codec);

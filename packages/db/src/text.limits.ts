// Error texts come from FFmpeg stderr and AWS; they are cut to the column width rather than failing the write.
export const MAX_ERROR_MESSAGE = 2048;

export const clipText = (text: string, max = MAX_ERROR_MESSAGE): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

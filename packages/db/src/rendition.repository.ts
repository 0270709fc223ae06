// The renditions of a ready video, as the transcoder reported them.
import type { Kysely, Transaction } from 'kysely';
import type { Database, Rendition } from './database.js';

export type NewRendition = Omit<Rendition, 'videoId' | 'attempt' | 'createdAt'>;

export class RenditionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Makes `renditions` the video's whole set (delete, then insert), so a redelivered completion leaves one set.
   * Call it in the transaction where `VideoRepository.markReady` returned true: that is what keeps a stale
   * attempt's outputs out.
   */
  async replaceForVideo(
    tx: Transaction<Database>,
    videoId: string,
    attempt: number,
    renditions: readonly NewRendition[],
  ): Promise<void> {
    await tx.deleteFrom('renditions').where('videoId', '=', videoId).execute();
    if (renditions.length === 0) return;
    const createdAt = new Date();
    await tx
      .insertInto('renditions')
      .values(
        renditions.map((r) => ({
          videoId,
          attempt,
          name: r.name,
          width: r.width,
          height: r.height,
          bitrateKbps: r.bitrateKbps,
          codecs: r.codecs,
          mp4Key: r.mp4Key,
          playlistKey: r.playlistKey,
          bytes: r.bytes,
          createdAt,
        })),
      )
      .execute();
  }

  /** Smallest first, the order a master playlist lists them in. */
  async listForVideo(videoId: string, tx?: Transaction<Database>): Promise<Rendition[]> {
    return (tx ?? this.db)
      .selectFrom('renditions')
      .selectAll()
      .where('videoId', '=', videoId)
      .orderBy('height')
      .orderBy('bitrateKbps')
      .orderBy('name')
      .execute();
  }
}

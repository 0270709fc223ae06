// The lake's object layout, in one place: Hive-style event-time partitions, and a file name made only of the Kafka
// partition and the offsets it holds, so a replay of the same offsets names (and overwrites) the same object.

export interface LakeFileName {
  dt: string;
  hour: number;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
}

export function lakeObjectKey(prefix: string, f: LakeFileName): string {
  const hour = String(f.hour).padStart(2, '0');
  return `${prefix}dt=${f.dt}/hour=${hour}/${f.partition}-${f.firstOffset}-${f.lastOffset}.parquet`;
}

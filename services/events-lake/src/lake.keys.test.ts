import { describe, expect, it } from 'vitest';
import { lakeObjectKey } from './lake.keys.js';

describe('lakeObjectKey', () => {
  it('partitions by event date and hour and names the file by partition and offsets', () => {
    expect(
      lakeObjectKey('events/', { dt: '2025-03-01', hour: 7, partition: 2, firstOffset: 10n, lastOffset: 99n }),
    ).toBe('events/dt=2025-03-01/hour=07/2-10-99.parquet');
  });
});

// The player: hls.js on a <video> (Safari plays HLS natively), a quality menu over the master's levels, a seek bar
// with storyboard thumbnails, and the engagement events of one playback session (play, pause, resume, seek,
// view_complete). Links come from the API as they are: a private video's carry the token path segment.
import {
  type PlaybackEventType,
  type PlaybackReporter,
  type Reelforge,
  startPlayback,
  type Video,
} from '@reelforge/client';
import Hls from 'hls.js/light';
import { useEffect, useRef, useState } from 'preact/hooks';
import { deviceId } from '../session';
import { formatTime, parseStoryboard, type Tile, tileAt } from './storyboard';

interface Level {
  index: number;
  label: string;
}

const APP = { app: 'reelforge-web', version: '0.1.0' };

export function Player(props: { rf: Reelforge; video: Video; userId: string | null }) {
  const { video } = props;
  const videoRef = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [choice, setChoice] = useState(-1);
  const [playing, setPlaying] = useState<Level | null>(null);
  const [switches, setSwitches] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(video.source.durationSec ?? 0);

  useEffect(() => {
    const el = videoRef.current;
    const src = video.hls;
    if (!el || !src) return;
    if (!Hls.isSupported()) {
      if (el.canPlayType('application/vnd.apple.mpegurl')) el.src = src;
      else setError('This browser cannot play HLS video.');
      return;
    }
    const hls = new Hls({ capLevelToPlayerSize: false });
    hlsRef.current = hls;
    let known: Level[] = [];
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
      known = data.levels.map((l, index) => ({
        index,
        label: l.height ? `${l.height}p` : `${Math.round(l.bitrate / 1000)} kbps`,
      }));
      setLevels(known);
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
      setPlaying(known[data.level] ?? null);
      setSwitches((n) => n + 1);
    });
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
      setError(
        data.response?.code === 403 || data.response?.code === 404
          ? 'This video cannot be played: its link has expired or it is no longer available. Reload the page.'
          : 'The video could not be loaded. Check your connection and reload the page.',
      );
    });
    hls.loadSource(src);
    hls.attachMedia(el);
    return () => {
      hlsRef.current = null;
      hls.destroy();
    };
  }, [video.hls]);

  useEngagement(props.rf, video, props.userId, videoRef);

  const choose = (index: number) => {
    setChoice(index);
    // currentLevel switches now (flushing what is buffered); -1 hands the choice back to the bandwidth estimate.
    if (hlsRef.current) hlsRef.current.currentLevel = index;
  };

  return (
    <div class="player" data-level={playing?.label ?? ''} data-level-switches={switches}>
      {/* biome-ignore lint/a11y/useMediaCaption: generated test clips and uploads carry no caption track */}
      <video
        ref={videoRef}
        controls
        playsInline
        poster={video.poster}
        preload="metadata"
        aria-label={video.title}
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onDurationChange={(e) => Number.isFinite(e.currentTarget.duration) && setDuration(e.currentTarget.duration)}
      />
      <SeekBar
        video={video}
        time={time}
        duration={duration}
        onSeek={(t) => {
          if (videoRef.current) videoRef.current.currentTime = t;
        }}
      />
      <div class="inline">
        <label>
          Quality
          <select value={choice} onChange={(e) => choose(Number(e.currentTarget.value))} disabled={levels.length === 0}>
            <option value={-1}>Auto</option>
            {levels.map((l) => (
              <option key={l.index} value={l.index}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        <span class="hint" role="status" data-testid="playing-level">
          {playing ? `Playing ${playing.label}` : ''}
        </span>
      </div>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** One playback session per page view; events in the order the <video> fires them. */
function useEngagement(rf: Reelforge, video: Video, userId: string | null, ref: { current: HTMLVideoElement | null }) {
  useEffect(() => {
    const el = ref.current;
    if (!el || video.status !== 'ready') return;
    let reporter: Promise<PlaybackReporter | null> | null = null;
    let played = false;
    let paused = false;
    const session = () => {
      reporter ??= startPlayback(rf, {
        videoId: video.id,
        userId,
        deviceId: deviceId(),
        client: APP,
        onError: (err) => console.warn('engagement event refused:', err.code, err.message),
      }).catch((err: unknown) => {
        console.warn('no playback session:', err);
        return null;
      });
      return reporter;
    };
    const report = (type: PlaybackEventType) => {
      const at = el.currentTime;
      void session().then((r) => r?.report(type, at));
    };
    const onPlay = () => {
      report(!played ? 'play' : paused ? 'resume' : 'play');
      played = true;
      paused = false;
    };
    const onPause = () => {
      if (el.ended) return;
      paused = true;
      report('pause');
    };
    const onSeeked = () => played && report('seek');
    const onEnded = () => report('view_complete');
    el.addEventListener('play', onPlay);
    el.addEventListener('pause', onPause);
    el.addEventListener('seeked', onSeeked);
    el.addEventListener('ended', onEnded);
    return () => {
      el.removeEventListener('play', onPlay);
      el.removeEventListener('pause', onPause);
      el.removeEventListener('seeked', onSeeked);
      el.removeEventListener('ended', onEnded);
      if (played && !el.ended) report('stop');
    };
  }, [video.id, video.status, userId]);
}

/** A seek bar that shows the storyboard tile under the pointer (or at the keyboard's position while it moves). */
function SeekBar(props: { video: Video; time: number; duration: number; onSeek: (time: number) => void }) {
  const { time, duration } = props;
  const [tiles, setTiles] = useState<Tile[]>([]);
  const [preview, setPreview] = useState<{ time: number; left: number } | null>(null);
  const vtt = props.video.storyboard?.vtt;

  useEffect(() => {
    if (!vtt) return;
    const abort = new AbortController();
    fetch(vtt, { signal: abort.signal })
      .then((res) => (res.ok ? res.text() : ''))
      .then((text) => setTiles(parseStoryboard(text, vtt)))
      .catch(() => setTiles([]));
    return () => abort.abort();
  }, [vtt]);

  const tile = preview ? tileAt(tiles, preview.time) : undefined;
  const at = (e: PointerEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const ratio = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
    return { time: ratio * duration, left: ratio * box.width };
  };
  return (
    <div class="seek">
      <input
        type="range"
        aria-label="Seek"
        min={0}
        max={duration || 0}
        step={0.1}
        value={time}
        aria-valuetext={`${formatTime(time)} of ${formatTime(duration)}`}
        onInput={(e) => {
          const t = Number(e.currentTarget.value);
          props.onSeek(t);
          const width = e.currentTarget.getBoundingClientRect().width;
          setPreview({ time: t, left: duration ? (t / duration) * width : 0 });
        }}
        onPointerMove={(e) => setPreview(at(e))}
        onPointerLeave={() => setPreview(null)}
        onBlur={() => setPreview(null)}
      />
      <span class="time">
        {formatTime(time)} / {formatTime(duration)}
      </span>
      {tile && preview && (
        <div
          class="storyboard-tile"
          data-testid="storyboard-tile"
          aria-hidden="true"
          style={{
            left: `${Math.max(0, preview.left - tile.w / 2)}px`,
            width: `${tile.w}px`,
            height: `${tile.h}px`,
            backgroundImage: `url("${tile.url}")`,
            backgroundPosition: `-${tile.x}px -${tile.y}px`,
          }}
        >
          <span>{formatTime(preview.time)}</span>
        </div>
      )}
    </div>
  );
}

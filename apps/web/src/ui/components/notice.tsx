// A failure as the API described it, read out by screen readers when it appears.
export function ErrorNotice({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p class="notice error" role="alert">
      {error}
    </p>
  );
}

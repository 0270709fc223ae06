// ffmpeg reports twice a second; subscribers want a message about every 5 %. Passes on each new whole step once.
export function progressSteps(stepPercent: number, emit: (percent: number) => void): (percent: number) => void {
  let last = 0;
  return (percent) => {
    const step = Math.floor(Math.min(100, percent) / stepPercent) * stepPercent;
    if (step > last) {
      last = step;
      emit(step);
    }
  };
}

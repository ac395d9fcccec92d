const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/**
 * A moment as people read it, in UTC (`Wed 14 Jan 2026, 15:04 UTC`). Written out rather than taken from
 * `Intl` so that the page reads the same whatever the runtime's locale data, and never in the server's zone.
 */
export function formatUtc(moment: Date): string {
  const weekday = WEEKDAYS[moment.getUTCDay()] ?? '';
  const month = MONTHS[moment.getUTCMonth()] ?? '';
  const time = `${twoDigits(moment.getUTCHours())}:${twoDigits(moment.getUTCMinutes())}`;
  return `${weekday} ${moment.getUTCDate()} ${month} ${moment.getUTCFullYear()}, ${time} UTC`;
}

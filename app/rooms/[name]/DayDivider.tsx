// Where a day begins in the log: "Today", "Yesterday", or its date (reading.ts).
export function DayDivider({ label }: { label: string }) {
  return (
    <li className="day-divider" data-testid="day-divider">
      <span>{label}</span>
    </li>
  );
}

// Shown for /rooms/<something that is not a room name>.
import Link from "next/link";
import { ROOM_NAME_MAX } from "@/lib/names";
import { RoomForm } from "../../components/RoomForm";
import { SiteHeader } from "../../components/SiteHeader";

export default function NotARoom() {
  return (
    <div className="page">
      <SiteHeader />
      <main id="main" className="notice-page">
        <h1>That is not a room name</h1>
        <p>
          A room name is 1 to {ROOM_NAME_MAX} letters, digits, “-”, “_” or “.”. Spaces become “-”, and capitals do not
          matter.
        </p>
        <RoomForm />
        <p>
          <Link href="/">Back to Livechat</Link>
        </p>
      </main>
    </div>
  );
}

// Home: name a room to enter it, or pick one of the live rooms.
import { LiveRooms } from "./components/LiveRooms";
import { RoomForm } from "./components/RoomForm";
import { ServedBy } from "./components/ServedBy";
import { SiteHeader } from "./components/SiteHeader";
import { YourRooms } from "./components/YourRooms";
import { servingNode } from "./utils/serving-node";

export default async function HomePage() {
  const node = await servingNode();
  return (
    <div className="page">
      <SiteHeader />
      <main id="main" className="home">
        <h1>Livechat</h1>
        <p className="lede">Type a room name and you are in it. Chat as a guest or with an account.</p>
        <RoomForm />
        <YourRooms />
        <LiveRooms />
      </main>
      <ServedBy node={node} />
    </div>
  );
}

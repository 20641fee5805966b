import { GuestPage } from "../components/guest-page";

export default function LoginPage() {
  return <GuestPage mode="login" />;
}

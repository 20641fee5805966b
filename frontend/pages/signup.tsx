import { GuestPage } from "../components/guest-page";

export default function SignupPage() {
  return <GuestPage mode="signup" />;
}

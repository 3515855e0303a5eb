import type { ReactNode, SVGProps } from "react";
import type { Platform } from "../../../protocol/index.js";

type IconProps = SVGProps<SVGSVGElement> & { title?: string };

function icon(paths: ReactNode) {
  return function Icon({ title, ...props }: IconProps) {
    return (
      <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.9} strokeLinecap="round" strokeLinejoin="round"
        aria-hidden={title ? undefined : true} role={title ? "img" : undefined} focusable="false" {...props}>
        {title ? <title>{title}</title> : null}
        {paths}
      </svg>
    );
  };
}

export const LogoIcon = ({ title, ...props }: IconProps) => (
  <svg viewBox="0 0 32 32" aria-hidden={title ? undefined : true} role={title ? "img" : undefined} {...props}>
    {title ? <title>{title}</title> : null}
    <defs>
      <linearGradient id="nerve-logo" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stopColor="#8b6dff" />
        <stop offset="1" stopColor="#22d3ee" />
      </linearGradient>
    </defs>
    <rect width="32" height="32" rx="8" fill="#141c2e" />
    <path d="M7 22V10l9 12V10M16 22l9-12v12" fill="none" stroke="url(#nerve-logo)" strokeWidth={2.6} strokeLinecap="round" strokeLinejoin="round" />
  </svg>
);

export const GlobeIcon = icon(<><circle cx="12" cy="12" r="9" /><path d="M3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18" /></>);
export const PhoneIcon = icon(<><rect x="7" y="2.5" width="10" height="19" rx="2.5" /><path d="M11 18.5h2" /></>);
export const TabletIcon = icon(<><rect x="4.5" y="2.5" width="15" height="19" rx="2.5" /><path d="M11 18.5h2" /></>);
export const AndroidIcon = icon(<><rect x="6" y="9" width="12" height="10" rx="2" /><path d="M6 12h12M9 9a3 3 0 0 1 6 0M8 5l1.5 2M16 5l-1.5 2M9 19v2M15 19v2" /></>);
export const LaptopIcon = icon(<><rect x="4" y="4.5" width="16" height="11" rx="1.5" /><path d="M2 19.5h20" /></>);
export const WindowsIcon = icon(<><rect x="3" y="4" width="18" height="13" rx="1.5" /><path d="M12 4v13M3 10.5h18M8 21h8" /></>);
export const TerminalIcon = icon(<><rect x="3" y="4" width="18" height="16" rx="2" /><path d="M7 9l3 3-3 3M12.5 15H17" /></>);
export const ServerIcon = icon(<><rect x="3.5" y="4" width="17" height="7" rx="1.5" /><rect x="3.5" y="13" width="17" height="7" rx="1.5" /><path d="M7 7.5h.01M7 16.5h.01" /></>);
export const CogIcon = icon(<><circle cx="12" cy="12" r="3" /><path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" /></>);
export const CheckIcon = icon(<path d="M5 12.5l4.5 4.5L19 7.5" />);
export const XIcon = icon(<path d="M6 6l12 12M18 6L6 18" />);
export const AlertIcon = icon(<><path d="M12 3l9.5 17h-19z" /><path d="M12 10v4M12 17.5h.01" /></>);
export const InfoIcon = icon(<><circle cx="12" cy="12" r="9" /><path d="M12 11v5M12 7.5h.01" /></>);
export const ClockIcon = icon(<><circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" /></>);
export const ImageIcon = icon(<><rect x="3" y="4" width="18" height="16" rx="2" /><circle cx="9" cy="10" r="2" /><path d="M21 16l-5-5-9 9" /></>);
export const CoinIcon = icon(<><ellipse cx="12" cy="7" rx="7" ry="3" /><path d="M5 7v5c0 1.7 3.1 3 7 3s7-1.3 7-3V7M5 12v5c0 1.7 3.1 3 7 3s7-1.3 7-3v-5" /></>);
export const BellIcon = icon(<><path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z" /><path d="M10 20a2 2 0 0 0 4 0" /></>);
export const LockIcon = icon(<><rect x="5" y="11" width="14" height="9" rx="2" /><path d="M8 11V8a4 4 0 0 1 8 0v3" /></>);
export const MoonIcon = icon(<path d="M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z" />);
export const SparkIcon = icon(<path d="M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8zM19 16l.8 2.2L22 19l-2.2.8L19 22l-.8-2.2L16 19l2.2-.8z" />);
export const SpinnerIcon = icon(<path d="M12 3a9 9 0 1 0 9 9" />);
export const CameraIcon = icon(<><path d="M4 8h3l2-3h6l2 3h3v11H4z" /><circle cx="12" cy="13" r="3.5" /></>);
export const PulseIcon = icon(<path d="M3 12h4l2-6 4 12 2-6h6" />);
export const HeartIcon = icon(<path d="M12 20s-7.5-4.6-7.5-10A4.5 4.5 0 0 1 12 7a4.5 4.5 0 0 1 7.5 3c0 5.4-7.5 10-7.5 10z" />);
export const UsersIcon = icon(<><circle cx="9" cy="8" r="3.5" /><path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6.5 6.5 0 0 1 3.5 6" /></>);
export const CompassIcon = icon(<><circle cx="12" cy="12" r="9" /><path d="M15.5 8.5l-2 5-5 2 2-5z" /></>);
export const BrainIcon = icon(<path d="M9 4a3 3 0 0 0-3 3 3 3 0 0 0-2 5 3 3 0 0 0 2 5 3 3 0 0 0 6 1V5a2 2 0 0 0-3-1zM15 4a3 3 0 0 1 3 3 3 3 0 0 1 2 5 3 3 0 0 1-2 5 3 3 0 0 1-6 1" />);
export const SendIcon = icon(<path d="M4 12l16-8-6 16-2.5-6.5z" />);
export const PlugIcon = icon(<path d="M9 3v5M15 3v5M7 8h10v3a5 5 0 0 1-10 0zM12 16v5" />);
export const TrashIcon = icon(<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" />);
export const PauseIcon = icon(<path d="M8 5v14M16 5v14" />);
export const PlayIcon = icon(<path d="M7 4l13 8-13 8z" />);
export const ExternalIcon = icon(<path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6" />);
export const LogOutIcon = icon(<path d="M15 4h4v16h-4M10 16l-4-4 4-4M6 12h10" />);

const PLATFORM_ICONS: Record<Platform, (p: IconProps) => ReactNode> = {
  web: GlobeIcon,
  ios: PhoneIcon,
  ipad: TabletIcon,
  android: AndroidIcon,
  macos: LaptopIcon,
  windows: WindowsIcon,
  linux: ServerIcon,
  cli: TerminalIcon,
  service: CogIcon,
};

export const PLATFORM_LABELS: Record<Platform, string> = {
  web: "Web browser",
  ios: "iPhone",
  ipad: "iPad",
  android: "Android",
  macos: "Mac",
  windows: "Windows",
  linux: "Linux",
  cli: "Command line",
  service: "Service",
};

/** The icon of a device platform, labelled for screen readers. */
export function PlatformIcon({ platform, ...props }: IconProps & { platform: Platform }) {
  const Icon = PLATFORM_ICONS[platform] ?? GlobeIcon;
  return <Icon title={PLATFORM_LABELS[platform]} {...props} />;
}

export const HomeIcon = icon(<path d="M4 11l8-7 8 7v9h-5v-6h-6v6H4z" />);
export const PencilIcon = icon(<path d="M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4" />);

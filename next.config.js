/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Security headers and the Content-Security-Policy are set by the custom server on
  // every answer (server/http/security-headers.ts), pages and API alike.
};

export default nextConfig;

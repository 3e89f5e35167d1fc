package dev.payflow.core.webhook;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which webhook URLs PayFlow will call, so a partner cannot aim our requests at our own network
 * (SSRF). Checked when an endpoint is saved and again before each delivery, which then connects
 * to exactly the address this check passed ({@link Target#address}): no second DNS look-up for a
 * rebinding name to exploit.
 *
 * <ul>
 *   <li>Never, in any mode: private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
 *       (169.254/16, fe80::/10), cloud-metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200),
 *       CGNAT (100.64/10), multicast, unspecified and broadcast addresses.</li>
 *   <li>Strict (live mode, and every mode in production): https only, and no loopback.</li>
 *   <li>Otherwise (sandbox in development): also http, and loopback, so a partner can test against
 *       a receiver on its own machine.</li>
 * </ul>
 * A host that resolves to several addresses passes only if every one of them does.
 */
public final class UrlGuard {
    /** The longest URL an endpoint may have; the column's size. */
    public static final int URL_LENGTH_MAX = 2048;
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Name resolution, injectable so tests can make any name resolve anywhere. */
    @FunctionalInterface
    public interface HostResolver {
        HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /** A URL that passed, and the one address to connect to. */
    public record Target(URI uri, String host, int port, boolean https, InetAddress address) {
    }

    private final HostResolver resolver;
    private final boolean production;

    public UrlGuard(HostResolver resolver, boolean production) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.production = production;
    }

    /** The URL's syntax only (no look-up): what a save refuses before anything else. */
    public static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "url: required");
        }
        if (url.length() > URL_LENGTH_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "url: %d characters (expected: at most %d)", url.length(), URL_LENGTH_MAX);
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "url: not a URL (expected: https://host/path)");
        }
        String scheme = Optional.ofNullable(uri.getScheme()).map(s -> s.toLowerCase(Locale.ROOT)).orElse("");
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "url: scheme '%s' (expected: https)", scheme);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "url: no host (expected: https://host/path)");
        }
        if (uri.getRawUserInfo() != null) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "url: credentials in the URL are not allowed");
        }
        if (uri.getRawFragment() != null) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "url: a fragment is not allowed");
        }
        return uri;
    }

    /** Checks the URL for an endpoint of this mode, resolving its host; refuses with WEBHOOK_URL_NOT_ALLOWED and the reason. */
    public Target check(String url, boolean livemode) {
        URI uri = parse(url);
        boolean strict = livemode || production;
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        String host = uri.getHost();
        String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> addresses = resolve(bareHost);
        for (InetAddress address : addresses) {
            Optional<String> forbidden = forbiddenKind(address);
            if (forbidden.isPresent()) {
                throw refused(host, address, forbidden.get(), "is never allowed");
            }
            if (address.isLoopbackAddress() && strict) {
                throw refused(host, address, "a loopback address", livemode ? "is not allowed in live mode" : "is not allowed in production");
            }
        }
        if (!https) {
            if (strict) {
                throw PayflowException.of(ErrorReason.WEBHOOK_URL_NOT_ALLOWED, "url: http is not allowed %s (expected: https)",
                        livemode ? "in live mode" : "in production");
            }
            if (!addresses.stream().allMatch(InetAddress::isLoopbackAddress)) {
                throw PayflowException.of(ErrorReason.WEBHOOK_URL_NOT_ALLOWED,
                        "url: http is allowed only for localhost in sandbox (expected: https for %s)", host);
            }
        }
        int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
        return new Target(uri, bareHost, port, https, addresses.get(0));
    }

    private List<InetAddress> resolve(String host) {
        try {
            List<InetAddress> addresses = isLiteral(host) ? List.of(InetAddress.getByName(host)) : resolver.resolve(host);
            if (addresses.isEmpty()) {
                throw new UnknownHostException(host);
            }
            return addresses;
        } catch (UnknownHostException e) {
            throw PayflowException.of(ErrorReason.WEBHOOK_URL_NOT_ALLOWED, "url: host %s does not resolve", host);
        }
    }

    private static boolean isLiteral(String host) {
        return IPV4_LITERAL.matcher(host).matches() || host.contains(":");
    }

    private static PayflowException refused(String host, InetAddress address, String kind, String rule) {
        String what = host.equals(address.getHostAddress()) || host.equals("[" + address.getHostAddress() + "]")
                ? host + " is " + kind + ","
                : "host " + host + " resolves to " + address.getHostAddress() + ", " + kind + ",";
        return PayflowException.of(ErrorReason.WEBHOOK_URL_NOT_ALLOWED, "url: %s which %s (expected: a public address)", what, rule);
    }

    /** The kind of a never-allowed address, or empty for one that may be allowed (public, or loopback by the mode's rules). */
    static Optional<String> forbiddenKind(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            Optional<InetAddress> mapped = embeddedIpv4(b);
            if (mapped.isPresent()) {
                return forbiddenKind(mapped.get());
            }
            if (isMetadata(address)) {
                return Optional.of("a cloud-metadata address");
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return Optional.of("a private address (fc00::/7)");
            }
        }
        if (isMetadata(address)) {
            return Optional.of("a cloud-metadata address");
        }
        if (address.isAnyLocalAddress()) {
            return Optional.of("the unspecified address");
        }
        if (address.isLinkLocalAddress()) {
            return Optional.of("a link-local address");
        }
        if (address.isSiteLocalAddress()) {
            return Optional.of("a private address");
        }
        if (address.isMulticastAddress()) {
            return Optional.of("a multicast address");
        }
        if (address instanceof Inet4Address) {
            byte[] b = address.getAddress();
            if ((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64) {
                return Optional.of("a CGNAT address (100.64.0.0/10)");
            }
            if ((b[0] & 0xff) == 255 && (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) {
                return Optional.of("the broadcast address");
            }
            if ((b[0] & 0xff) == 0) {
                return Optional.of("an address of 'this network' (0.0.0.0/8)");
            }
        }
        return Optional.empty();
    }

    private static boolean isMetadata(InetAddress address) {
        String text = address.getHostAddress();
        return text.equals("169.254.169.254") || text.equals("100.100.100.200") || text.equals("fd00:ec2:0:0:0:0:0:254");
    }

    /** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) IPv6 address. */
    private static Optional<InetAddress> embeddedIpv4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return Optional.empty();
            }
        }
        boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
        boolean compatible = b[10] == 0 && b[11] == 0 && (b[12] != 0 || b[13] != 0);
        if (!mapped && !compatible) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}

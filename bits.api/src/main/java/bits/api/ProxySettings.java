package bits.api;

import java.util.List;
import java.util.Objects;

/**
 * A job's proxy settings; BITS {@code IBackgroundCopyJob::SetProxySettings}.
 *
 * @param usage how the job reaches its servers
 * @param proxies for {@link ProxyUsage#OVERRIDE}: {@code host:port} entries tried in order; empty otherwise
 * @param bypass for {@link ProxyUsage#OVERRIDE}: host names or {@code *.suffix} patterns reached directly
 */
public record ProxySettings(ProxyUsage usage, List<String> proxies, List<String> bypass) {
	/** The default: the system's settings. */
	public static final ProxySettings PRECONFIG = new ProxySettings(ProxyUsage.PRECONFIG, List.of(), List.of());
	/** Direct connections. */
	public static final ProxySettings NO_PROXY = new ProxySettings(ProxyUsage.NO_PROXY, List.of(), List.of());

	/** Checks the components and copies the lists. */
	public ProxySettings {
		Objects.requireNonNull(usage, "usage");
		proxies = List.copyOf(proxies);
		bypass = List.copyOf(bypass);
		if (usage == ProxyUsage.OVERRIDE && proxies.isEmpty()) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "proxy usage OVERRIDE needs at least one proxy");
		}
		if (usage != ProxyUsage.OVERRIDE && !(proxies.isEmpty() && bypass.isEmpty())) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "proxy lists are only allowed with OVERRIDE, not " + usage);
		}
	}
}

package io.meridian.server.routing.internal;

import io.dropwizard.lifecycle.Managed;
import io.meridian.core.RegionId;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.router.PlanAcceptor;
import io.meridian.router.RegionRouter;
import io.meridian.store.CassandraAcceptor;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's two clocks, each on its own thread while the server runs: every second an observer round (probe
 * every region, share what it sees; it also estimates this server's clock skew), and every second a router tick
 * (first learning a newer plan a peer has, then evaluating the state machine). The observer has its own thread so
 * an agreement in progress (seconds, on a loaded machine) never leaves this region's observations stale.
 */
public final class RouterTicks implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(RouterTicks.class);

    private final HealthObservers observers;
    private final RegionRouter router;
    private final CassandraAcceptor acceptor;
    private final Map<RegionId, PlanAcceptor> remoteAcceptors;
    private final AtomicLong clockSkewMillis;
    private final ScheduledExecutorService observing = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "meridian-observer"));
    private final ScheduledExecutorService ticking = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "meridian-router"));

    /** {@code clockSkewMillis}: where each round's skew estimate goes (the write path and health read it). */
    public RouterTicks(HealthObservers observers, RegionRouter router, CassandraAcceptor acceptor,
            Map<RegionId, PlanAcceptor> remoteAcceptors, AtomicLong clockSkewMillis) {
        this.observers = observers;
        this.router = router;
        this.acceptor = acceptor;
        this.remoteAcceptors = remoteAcceptors;
        this.clockSkewMillis = clockSkewMillis;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void start() {
        observing.scheduleWithFixedDelay(this::observe, 1, 1, TimeUnit.SECONDS);
        ticking.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void observe() {
        try {
            observers.round();
            clockSkewMillis.set(observers.clockSkewMillis());
        } catch (RuntimeException e) {
            LOG.warn("observer round failed: {}", e.toString());
        }
    }

    private void tick() {
        try {
            learnNewerPlan();
            router.tick();
            if (!router.lastTickProblem().isEmpty()) {
                LOG.info("router tick changed nothing: {}", router.lastTickProblem());
            }
        } catch (RuntimeException e) {
            LOG.warn("router tick failed: {}", e.toString());
        }
    }

    /** A region that missed a plan change (cut off, restarted) learns it from a peer that has it. */
    private void learnNewerPlan() {
        observers.newestPlan().filter(p -> p.getValue() > router.plan().version()).ifPresent(p -> {
            acceptor.invalidate(); // a sibling may have learned it already: read it again
            PlanAcceptor from = remoteAcceptors.get(p.getKey());
            try {
                RoutingPlan newer = from == null ? null : from.latestChosen();
                if (newer != null) {
                    acceptor.learn(newer);
                }
            } catch (RuntimeException e) {
                LOG.debug("learning plan v{} from {}: {}", p.getValue(), p.getKey(), e.toString());
            }
        });
    }

    @Override
    public void stop() {
        observing.shutdownNow();
        ticking.shutdownNow();
    }
}

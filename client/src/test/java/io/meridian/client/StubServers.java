package io.meridian.client;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The stand-in servers of one test ({@code @RegisterExtension}): each is stopped after the test, also on failure. */
final class StubServers implements AfterEachCallback {

    private final List<MeridianClientTest.Stub> started = new CopyOnWriteArrayList<>();

    /** A new stand-in server on a free loopback port. */
    MeridianClientTest.Stub stub() throws IOException {
        MeridianClientTest.Stub s = new MeridianClientTest.Stub();
        started.add(s);
        return s;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started.forEach(MeridianClientTest.Stub::close);
        started.clear();
    }
}

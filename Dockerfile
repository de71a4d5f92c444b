# Meridian server and CLI image: a Maven build stage, then a slim JRE 17 runtime as a non-root user.
#   docker build -t meridian-server:0.1.0 .          (docker compose up --build does this)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package -pl server,cli -am

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /opt/meridian meridian
COPY --from=build /src/server/target/meridian-server.jar /opt/meridian/server/meridian-server.jar
COPY --from=build /src/server/target/lib/ /opt/meridian/server/lib/
COPY --from=build /src/cli/target/meridian-cli.jar /opt/meridian/cli/meridian-cli.jar
COPY --from=build /src/cli/target/lib/ /opt/meridian/cli/lib/
COPY deploy/meridian-server.yml /etc/meridian/server.yml
RUN printf '#!/bin/sh\nexec java -cp "/opt/meridian/cli/meridian-cli.jar:/opt/meridian/cli/lib/*" io.meridian.cli.Meridian "$@"\n' \
        > /usr/local/bin/meridian && chmod 755 /usr/local/bin/meridian
USER meridian
WORKDIR /opt/meridian
EXPOSE 8080 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=12 \
    CMD curl -fsS http://127.0.0.1:8081/healthcheck > /dev/null || exit 1
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", \
    "-cp", "/opt/meridian/server/meridian-server.jar:/opt/meridian/server/lib/*", "io.meridian.server.MeridianServer"]
CMD ["server", "/etc/meridian/server.yml"]

package dev.roundtrip.accounts;

import dev.roundtrip.App;
import dev.roundtrip.TestApps;
import io.javalin.testtools.JavalinTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
    static void p(String s) {
        try {
            java.nio.file.Files.writeString(Path.of("/tmp/smoke.txt"), s + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TempDir
    Path dir;

    @Test
    void smoke() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            var r = TestApps.postJson(client, "/api/users", "{\"username\":\"Alice\",\"password\":\"correct horse\"}");
            p("register " + r.code() + " " + r.body().string());
            r = TestApps.postJson(client, "/api/users", "{\"username\":\"alice\",\"password\":\"correct horse\"}");
            p("again " + r.code() + " " + r.body().string());
            long t = System.nanoTime();
            r = TestApps.postJson(client, "/api/sessions", "{\"username\":\"ALICE\",\"password\":\"correct horse\"}");
            String body = r.body().string();
            p("login " + r.code() + " " + body + " " + r.headers().get("Set-Cookie") + " ms=" + (System.nanoTime() - t) / 1e6);
            String token = TestApps.JSON.readTree(body).get("token").asText();
            t = System.nanoTime();
            r = TestApps.postJson(client, "/api/sessions", "{\"username\":\"nobody\",\"password\":\"correct horse\"}");
            p("unknown " + r.code() + " " + r.body().string() + " " + r.headers().get("WWW-Authenticate") + " ms=" + (System.nanoTime() - t) / 1e6);
            r = TestApps.postJson(client, "/api/notes", "{\"title\":\"x\"}");
            p("anon create " + r.code() + " " + r.body().string() + r.headers().get("WWW-Authenticate"));
            r = TestApps.postJson(client, "/api/notes", "{\"title\":\"x\"}", "Authorization", "Bearer " + token);
            p("create " + r.code() + " " + r.body().string());
            r = TestApps.send(client, "GET", "/api/me", null, "Authorization", "Bearer " + token);
            p("me " + r.code() + " " + r.body().string());
            r = TestApps.send(client, "GET", "/api/journey", null, "Authorization", "Bearer " + token);
            p("journey " + r.code() + " " + r.body().string());
            r = TestApps.postJson(client, "/api/users", "{\"username\":\"bob\",\"password\":\"correct horse\"}");
            r = TestApps.postJson(client, "/api/sessions", "{\"username\":\"bob\",\"password\":\"correct horse\"}");
            String bob = TestApps.JSON.readTree(r.body().string()).get("token").asText();
            r = TestApps.putJson(client, "/api/notes/1", "{\"title\":\"y\"}", "Authorization", "Bearer " + bob);
            p("bob edits " + r.code() + " " + r.body().string());
            r = TestApps.send(client, "DELETE", "/api/sessions/current", null, "Authorization", "Bearer " + token);
            p("logout " + r.code() + " " + r.headers().get("Set-Cookie"));
            r = TestApps.putJson(client, "/api/notes/1", "{\"title\":\"y\"}", "Authorization", "Bearer " + token);
            p("after logout " + r.code() + " " + r.body().string() + r.headers().get("WWW-Authenticate"));
            r = TestApps.send(client, "GET", "/api/notes?access_token=abc", null);
            p("url " + r.code() + " " + r.body().string());
            r = TestApps.putJson(client, "/api/notes/1", "{\"title\":\"y\"}", "Cookie", "__Host-roundtrip-session=" + bob, "Sec-Fetch-Site", "cross-site");
            p("csrf " + r.code() + " " + r.body().string());
        });
    }
}

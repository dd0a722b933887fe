@testable import Console
import Foundation
import Kube
import Terminal
import XCTest

/// The command bar, filter, sort, help and screen stack, driven by keys as the terminal sends them.
final class NavigationTests: XCTestCase {
    @MainActor private func frame(_ s: ConsoleSession, _ state: ClusterState, width: Int = 120, height: Int = 24) -> CellBuffer {
        s.render(state, width: width, height: height, theme: .standard, glyphs: .unicode)
    }

    @MainActor func testCommandBarCompletesWithTabAndOpensNodes() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":", state: state)
        s.type("no", state: state)
        XCTAssertTrue(frame(s, state).line(23).hasPrefix(" :no"), "the prompt shows what is typed")
        XCTAssertTrue(frame(s, state).line(23).contains(":nodes"), "the completion is suggested: \(frame(s, state).line(23))")
        s.type([.tab], state: state)
        XCTAssertEqual(s.prompt?.text, "nodes")
        s.type([.enter], state: state)
        XCTAssertNil(s.prompt)
        XCTAssertTrue(s.top is NodesScreen)
        let f = frame(s, state)
        XCTAssertTrue(f.line(2).contains("workloads") && f.line(2).contains("nodes"), f.line(2))
        XCTAssertTrue(f.line(3).hasPrefix("NAME"), f.line(3))
        s.type([.escape], state: state)
        XCTAssertTrue(s.top is WorkloadsScreen, "esc goes back down the stack")
    }

    @MainActor func testAliasesEscapeAndHistory() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":ev", state: state)
        s.type([.enter], state: state)
        XCTAssertTrue(s.top is EventsScreen, ":ev is events, as in k9s")
        s.type(":po", state: state)
        s.type([.escape], state: state)
        XCTAssertNil(s.prompt, "esc cancels")
        XCTAssertTrue(s.top is EventsScreen, "a cancelled command does nothing")
        s.type(":", state: state)
        s.type([.up], state: state)
        XCTAssertEqual(s.prompt?.text, "ev", "up recalls the last command")
        s.type([.escape], state: state)
        s.type(":no", state: state)
        s.type([.enter], state: state)
        s.type("-", state: state)
        XCTAssertTrue(s.top is EventsScreen, "- goes to the command before the last one")
        s.type("-", state: state)
        XCTAssertTrue(s.top is NodesScreen, "and back again")
        s.type(":bogus", state: state)
        s.type([.enter], state: state)
        XCTAssertTrue(frame(s, state).line(23).contains("unknown command \"bogus\""), frame(s, state).line(23))
    }

    @MainActor func testNamespaceAndContextCommandsAskTheRunner() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.contextNames = ["prod", "staging"]
        s.type(":ns f", state: state)
        s.type([.tab], state: state)
        XCTAssertEqual(s.prompt?.text, "ns fixtures", "namespaces complete from the cluster")
        s.type([.enter], state: state)
        XCTAssertEqual(s.takeRequest(), .namespace("fixtures"))
        XCTAssertNil(s.takeRequest(), "a request is taken once")
        s.type(":ns all", state: state)
        s.type([.enter], state: state)
        XCTAssertEqual(s.takeRequest(), .namespace(nil))
        s.type(":ctx st", state: state)
        s.type([.tab], state: state)
        XCTAssertEqual(s.prompt?.text, "ctx staging")
        s.type([.enter], state: state)
        XCTAssertEqual(s.takeRequest(), .context("staging"))
        s.type(":ctx nope", state: state)
        s.type([.enter], state: state)
        XCTAssertNil(s.takeRequest())
        XCTAssertTrue(frame(s, state).line(23).contains("no context \"nope\""), frame(s, state).line(23))
        s.connected(to: ConnectionSummary(context: "staging", cluster: "c2", user: "u2", namespace: "fixtures"), contextChanged: true)
        let f = frame(s, state)
        XCTAssertTrue(f.line(0).contains("ctx: staging") && f.line(0).contains("ns: fixtures"), f.line(0))
    }

    @MainActor func testFilterRegexInvertLabelsAndInvalidRegex() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":pods", state: state)
        s.type([.enter], state: state)
        _ = frame(s, state)
        let pods = try XCTUnwrap(s.top as? PodsScreen)
        XCTAssertEqual(pods.table.order.count, 8)
        s.type("/sts", state: state)
        s.type([.enter], state: state)
        var f = frame(s, state)
        XCTAssertEqual(pods.table.order.count, 2, f.text)
        XCTAssertTrue(f.line(2).contains("filter: /sts"), f.line(2))
        XCTAssertTrue(f.line(4).hasPrefix("vllm-sts-"), f.line(4))
        s.type("/!sts", state: state)  // the prompt starts with the current filter: "sts!sts"
        s.type([.ctrl("u")], state: state)
        s.type("!sts", state: state)
        s.type([.enter], state: state)
        _ = frame(s, state)
        XCTAssertEqual(pods.table.order.count, 6, "! inverts")
        s.type("/", state: state)
        s.type([.ctrl("u")], state: state)
        s.type("-l app.kubernetes.io/instance=vllm-sts", state: state)
        s.type([.enter], state: state)
        _ = frame(s, state)
        XCTAssertEqual(pods.table.order.count, 2, "-l filters by labels")
        s.type("/", state: state)
        s.type([.ctrl("u")], state: state)
        s.type("vllm-(", state: state)
        s.type([.enter], state: state)
        f = frame(s, state)
        XCTAssertTrue(f.line(23).contains("invalid regular expression"), f.line(23))
        XCTAssertEqual(pods.table.order.count, 2, "a bad filter leaves the last one in place")
        s.type([.escape], state: state)
        _ = frame(s, state)
        XCTAssertEqual(pods.table.order.count, 8, "esc clears the filter first")
        XCTAssertTrue(s.top is PodsScreen)
        s.type([.escape], state: state)
        XCTAssertTrue(s.top is WorkloadsScreen, "then goes back")
    }

    @MainActor func testSortKeysShowTheSortColumnAndReverse() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":pods", state: state)
        s.type([.enter], state: state)
        _ = frame(s, state)
        s.type("N", state: state)
        var f = frame(s, state)
        XCTAssertTrue(f.line(3).hasPrefix("NAME↑"), f.line(3))
        XCTAssertTrue(f.line(2).contains("sort: NAME↑"), f.line(2))
        XCTAssertTrue(f.line(4).hasPrefix("vllm-qwen-7f688bc75d-d9clg"), f.line(4))
        s.type("N", state: state)
        f = frame(s, state)
        XCTAssertTrue(f.line(3).hasPrefix("NAME↓"), f.line(3))
        XCTAssertTrue(f.line(4).hasPrefix("vllm-sts-1"), f.line(4))
        s.type("A", state: state)
        f = frame(s, state)
        XCTAssertTrue(f.line(3).contains("AGE↑"), f.line(3))
        XCTAssertTrue(f.line(4).hasPrefix("vllm-sts-0"), "youngest first: \(f.line(4))")
    }

    @MainActor func testHelpListsTheKeysOfTheCurrentScreen() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        _ = frame(s, state)
        s.type([.enter], state: state)
        s.type("?", state: state)
        let text = frame(s, state, width: 140, height: 50).text
        for expected in ["pod detail", "logs of the previous container", "events of the pod", "shift-n", "sort by NAME",
                         ":nodes (no, node)", ":ctx", "regex; /!re inverts"] {
            XCTAssertTrue(text.contains(expected), "help lacks \(expected):\n\(text)")
        }
        s.type([.escape], state: state)
        XCTAssertFalse(s.showHelp)
        s.type("q", state: state)
        XCTAssertTrue(s.wantsQuit)
    }

    @MainActor func testEnterGoesInAndPlannedScreensHaveTheirPlace() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        _ = frame(s, state)
        s.type([.enter], state: state)
        _ = frame(s, state)
        s.type([.enter], state: state)
        XCTAssertTrue(s.top is PodDetailScreen, "workloads → pods → pod detail")
        XCTAssertEqual(s.stack.count, 3)
        s.type(":history", state: state)
        s.type([.enter], state: state)
        XCTAssertEqual(s.flash?.text, ":history NAME (Tab completes workloads)")
        s.type(":history vllm-qwen", state: state)
        s.type([.enter], state: state)
        XCTAssertTrue(s.top is RolloutHistoryScreen)
        XCTAssertEqual(s.top.title, "history(fixtures/vllm-qwen)", "the first vllm-qwen in namespace order")
        guard case let .loadHistory(ref)? = s.takeOperationRequests(state: state).first else { return XCTFail("no fetch asked for") }
        XCTAssertEqual(ref.description, "deployment.apps/vllm-qwen")
        XCTAssertEqual(ref.namespace, "fixtures")
        s.type(":workloads", state: state)
        s.type([.enter], state: state)
        XCTAssertEqual(s.stack.count, 1)
    }

    func testCommandLineParsing() throws {
        XCTAssertEqual(try ConsoleCommandLine.parse("po"), .open(.allPods))
        XCTAssertEqual(try ConsoleCommandLine.parse("pods smollm2"), .podsOf("smollm2"))
        XCTAssertEqual(try ConsoleCommandLine.parse("no"), .open(.nodes))
        XCTAssertEqual(try ConsoleCommandLine.parse("events pod/x-0"), .open(.events(.object(kind: "Pod", key: "x-0"))))
        XCTAssertEqual(try ConsoleCommandLine.parse("ns all"), .namespace(nil))
        XCTAssertEqual(try ConsoleCommandLine.parse("q"), .quit)
        XCTAssertThrowsError(try ConsoleCommandLine.parse("ctx"))
        XCTAssertEqual(ConsoleCommandLine.complete("w", values: { _ in [] }), "workloads")
        XCTAssertEqual(ConsoleCommandLine.complete("c", values: { _ in [] }), "c", "ctx and canary: no common longer prefix")
        XCTAssertEqual(ConsoleCommandLine.complete("ct", values: { _ in [] }), "ctx ")
    }

    func testLabelQueries() throws {
        let labels = ["app": "vllm", "track": "canary", "gpu": "h100"]
        XCTAssertTrue(try LabelQuery("app=vllm").matches(labels))
        XCTAssertTrue(try LabelQuery("app==vllm,track!=stable").matches(labels))
        XCTAssertTrue(try LabelQuery("gpu,!spot").matches(labels))
        XCTAssertTrue(try LabelQuery("track in (canary, stable)").matches(labels))
        XCTAssertFalse(try LabelQuery("track notin (canary)").matches(labels))
        XCTAssertThrowsError(try LabelQuery("=x"))
        XCTAssertNil(try RowFilterParser.parse("  "))
    }
}

/// A regular expression matched in time linear in the text, whatever the pattern (a Pike VM, the
/// approach of RE2, which Alertmanager uses).
///
/// A backtracking engine (Swift's `Regex`, `NSRegularExpression`) takes exponential time on patterns
/// such as `(a+)+$` or `(a|aa)*b`; a silence is matched on every alert evaluation, so one such
/// pattern would stall the pipeline. Here every step advances a set of at most ``maxProgramSize``
/// states by one Unicode scalar, so a match costs at most text length × program size.
///
/// Syntax (RE2's common core): literals, `.`, `[abc]`, `[^a-z]`, `\d \w \s` (and `\D \W \S` outside
/// brackets), escaped punctuation, `\t \n \r \f \v`, groups `( )` and `(?: )`, `|`, `* + ?`,
/// `{n}`, `{n,}`, `{n,m}` (n, m ≤ ``maxRepeat``; a trailing `?` for laziness is accepted and changes
/// nothing, as only whole matches count), `^` and `$`. Refused, with the reason: backreferences,
/// lookaround, named groups and flags `(?…)`, other escapes (`\b`, `\p{…}`), POSIX classes.
/// Matching is on Unicode scalars and is anchored at both ends (``wholeMatch(_:)``).
struct LinearRegex: Sendable {
    struct Refusal: Error, Equatable {
        var reason: String
    }

    /// The largest `{n,m}` bound.
    static let maxRepeat = 100
    /// The most instructions a pattern may compile to (counted repetitions are expanded).
    static let maxProgramSize = 1000
    /// The deepest nesting of groups.
    static let maxNesting = 32

    private let program: [Instruction]

    init(_ pattern: String) throws(Refusal) {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.parseWhole()
        var compiler = Compiler()
        try compiler.emit(node)
        try compiler.append(.match)
        program = compiler.program
    }

    /// How many instructions the pattern compiled to.
    var programSize: Int { program.count }

    /// True when the whole of `text` matches.
    func wholeMatch(_ text: String) -> Bool { run(text).matched }

    /// Matches and counts the states visited: at most (scalars + 1) × ``programSize``, whatever the pattern.
    func run(_ text: String) -> (matched: Bool, steps: Int) {
        let scalars = Array(text.unicodeScalars)
        var current = StateSet(capacity: program.count)
        var next = StateSet(capacity: program.count)
        var steps = 0
        follow(0, position: 0, end: scalars.count, into: &current)
        steps += current.states.count
        for (index, scalar) in scalars.enumerated() {
            if current.states.isEmpty { return (false, steps) }
            next.removeAll()
            for pc in current.states {
                if case .scalar(let set) = program[pc], set.contains(scalar) {
                    follow(pc + 1, position: index + 1, end: scalars.count, into: &next)
                }
            }
            swap(&current, &next)
            steps += current.states.count
        }
        return (current.contains(program.count - 1), steps)
    }

    /// Adds `start` and every state reachable from it without consuming a scalar.
    private func follow(_ start: Int, position: Int, end: Int, into set: inout StateSet) {
        var stack = [start]
        while let pc = stack.popLast() {
            guard set.insert(pc) else { continue }
            switch program[pc] {
            case .jump(let target): stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .atStart: if position == 0 { stack.append(pc + 1) }
            case .atEnd: if position == end { stack.append(pc + 1) }
            case .scalar, .match: break
            }
        }
    }

    // MARK: Program

    private enum Instruction: Sendable {
        case scalar(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case atStart, atEnd
        case match
    }

    /// Which scalars an instruction accepts: ranges, possibly negated.
    struct ScalarSet: Sendable, Equatable {
        var ranges: [ClosedRange<UInt32>]
        var negated = false

        static let any = ScalarSet(ranges: [], negated: true)
        static let digit = ScalarSet(ranges: [0x30...0x39])
        static let word = ScalarSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
        static let space = ScalarSet(ranges: [0x09...0x0D, 0x20...0x20])

        static func single(_ scalar: Unicode.Scalar) -> ScalarSet { ScalarSet(ranges: [scalar.value...scalar.value]) }

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar.value) } != negated
        }
    }

    private struct StateSet {
        var states: [Int] = []
        var present: [Bool]

        init(capacity: Int) { present = Array(repeating: false, count: capacity) }

        mutating func insert(_ pc: Int) -> Bool {
            if present[pc] { return false }
            present[pc] = true
            states.append(pc)
            return true
        }

        func contains(_ pc: Int) -> Bool { present[pc] }

        mutating func removeAll() {
            for pc in states { present[pc] = false }
            states.removeAll(keepingCapacity: true)
        }
    }

    // MARK: Parsing

    private indirect enum Node {
        case scalar(ScalarSet)
        case atStart, atEnd
        case concat([Node])
        case alternate([Node])
        case repeated(Node, min: Int, max: Int?)
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var offset = 0
        var depth = 0

        init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var current: Unicode.Scalar? { offset < scalars.count ? scalars[offset] : nil }

        mutating func parseWhole() throws(Refusal) -> Node {
            let node = try alternation()
            if current == ")" { throw Refusal(reason: "an unmatched ')'") }
            return node
        }

        mutating func alternation() throws(Refusal) -> Node {
            var branches = [try concatenation()]
            while current == "|" {
                offset += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternate(branches)
        }

        mutating func concatenation() throws(Refusal) -> Node {
            var items: [Node] = []
            while let scalar = current, scalar != "|", scalar != ")" {
                var item = try atom()
                while let quantifier = try self.quantifier() {
                    item = .repeated(item, min: quantifier.min, max: quantifier.max)
                }
                items.append(item)
            }
            return .concat(items)
        }

        mutating func atom() throws(Refusal) -> Node {
            guard let scalar = current else { throw Refusal(reason: "the pattern ends early") }
            offset += 1
            switch scalar {
            case "(":
                if current == "?" {
                    guard offset + 1 < scalars.count, scalars[offset + 1] == ":" else {
                        throw Refusal(reason: "'(?' groups (lookaround, named groups, flags) are not supported; use (?:…) or (…)")
                    }
                    offset += 2
                }
                depth += 1
                guard depth <= LinearRegex.maxNesting else { throw Refusal(reason: "groups nest more than \(LinearRegex.maxNesting) deep") }
                let inner = try alternation()
                guard current == ")" else { throw Refusal(reason: "a '(' is not closed") }
                offset += 1
                depth -= 1
                return inner
            case "[": return .scalar(try bracket())
            case ".": return .scalar(.any)
            case "^": return .atStart
            case "$": return .atEnd
            case "\\": return .scalar(try escape(inBracket: false))
            case "*", "+", "?": throw Refusal(reason: "'\(scalar)' has nothing to repeat")
            case "{" where Self.isRepetition(scalars, from: offset):
                throw Refusal(reason: "'{' has nothing to repeat")
            default: return .scalar(.single(scalar))
            }
        }

        /// `* + ? {n} {n,} {n,m}`, each optionally followed by `?` (lazy; irrelevant to a whole match).
        mutating func quantifier() throws(Refusal) -> (min: Int, max: Int?)? {
            guard let scalar = current else { return nil }
            let result: (min: Int, max: Int?)
            switch scalar {
            case "*": result = (0, nil); offset += 1
            case "+": result = (1, nil); offset += 1
            case "?": result = (0, 1); offset += 1
            case "{" where Self.isRepetition(scalars, from: offset + 1):
                offset += 1
                let low = try number()
                var high: Int? = low
                if current == "," {
                    offset += 1
                    high = current == "}" ? nil : try number()
                }
                offset += 1  // "}"
                if let high, high < low { throw Refusal(reason: "{\(low),\(high)} has its bounds the wrong way round") }
                result = (low, high)
            default: return nil
            }
            if current == "?" { offset += 1 }
            if current == "+" { throw Refusal(reason: "possessive quantifiers are not supported") }
            return result
        }

        mutating func number() throws(Refusal) -> Int {
            var value = 0
            while let scalar = current, let digit = Int(String(scalar)), scalar.isASCII {
                value = value * 10 + digit
                guard value <= LinearRegex.maxRepeat else { throw Refusal(reason: "a repeat count is above \(LinearRegex.maxRepeat)") }
                offset += 1
            }
            return value
        }

        /// True when `{` … at `start` reads `n}`, `n,}` or `n,m}` (otherwise `{` is a literal, as in RE2).
        static func isRepetition(_ scalars: [Unicode.Scalar], from start: Int) -> Bool {
            var index = start
            func digits() -> Bool {
                let begin = index
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
                return index > begin
            }
            guard digits() else { return false }
            if index < scalars.count, scalars[index] == "," {
                index += 1
                _ = digits()
            }
            return index < scalars.count && scalars[index] == "}"
        }

        mutating func escape(inBracket: Bool) throws(Refusal) -> ScalarSet {
            guard let scalar = current else { throw Refusal(reason: "the pattern ends with '\\'") }
            offset += 1
            switch scalar {
            case "d": return .digit
            case "w": return .word
            case "s": return .space
            case "D", "W", "S":
                guard !inBracket else { throw Refusal(reason: "\\\(scalar) inside [ ] is not supported") }
                var set: ScalarSet = scalar == "D" ? .digit : scalar == "W" ? .word : .space
                set.negated = true
                return set
            case "t": return .single("\t")
            case "n": return .single("\n")
            case "r": return .single("\r")
            case "f": return .single("\u{0C}")
            case "v": return .single("\u{0B}")
            default:
                guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                    throw Refusal(reason: "'\\\(scalar)' is not supported (no backreferences, \\b or \\p)")
                }
                return .single(scalar)
            }
        }

        mutating func bracket() throws(Refusal) -> ScalarSet {
            var set = ScalarSet(ranges: [])
            if current == "^" {
                set.negated = true
                offset += 1
            }
            var first = true
            while true {
                guard let scalar = current else { throw Refusal(reason: "a '[' is not closed") }
                if scalar == "]" && !first {
                    offset += 1
                    return set
                }
                first = false
                if scalar == "[", offset + 1 < scalars.count, [":", "=", "."].contains(scalars[offset + 1]) {
                    throw Refusal(reason: "POSIX classes such as [:alpha:] are not supported")
                }
                let low = try bracketItem()
                if current == "-", offset + 1 < scalars.count, scalars[offset + 1] != "]" {
                    offset += 1
                    let high = try bracketItem()
                    // Both ends single scalars (not \\d and the like), in order.
                    guard let lo = low.ranges.first?.lowerBound, let hi = high.ranges.first?.upperBound,
                          low.ranges == [lo...lo], high.ranges == [hi...hi], !low.negated, !high.negated, lo <= hi
                    else { throw Refusal(reason: "a range in [ ] is not valid") }
                    set.ranges.append(lo...hi)
                } else {
                    set.ranges.append(contentsOf: low.ranges)
                }
            }
        }

        mutating func bracketItem() throws(Refusal) -> ScalarSet {
            guard let scalar = current else { throw Refusal(reason: "a '[' is not closed") }
            offset += 1
            return scalar == "\\" ? try escape(inBracket: true) : .single(scalar)
        }
    }

    // MARK: Compiling

    private struct Compiler {
        var program: [Instruction] = []

        mutating func append(_ instruction: Instruction) throws(Refusal) {
            guard program.count < LinearRegex.maxProgramSize else {
                throw Refusal(reason: "the pattern is too complex (more than \(LinearRegex.maxProgramSize) steps once repeats are expanded)")
            }
            program.append(instruction)
        }

        mutating func emit(_ node: Node) throws(Refusal) {
            switch node {
            case .scalar(let set): try append(.scalar(set))
            case .atStart: try append(.atStart)
            case .atEnd: try append(.atEnd)
            case .concat(let items): for item in items { try emit(item) }
            case .alternate(let branches):
                var jumps: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = program.count
                        try append(.split(split + 1, 0))
                        try emit(branch)
                        jumps.append(program.count)
                        try append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeated(let inner, let min, let max):
                for _ in 0..<min { try emit(inner) }
                if let max {
                    // (inner (inner …)?)? for the optional copies.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        try append(.split(program.count + 1, 0))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    try append(.split(loop + 1, 0))
                    try emit(inner)
                    try append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}

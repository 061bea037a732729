//===- EnumOptionParser.h - enum options that list their values -*- C++ -*-===//
//
// llvm::cl's parser for enum options rejects an unknown value with "Cannot
// find option named 'x'!", which does not say what would have been accepted.
// Our enum options (pass options, --attn-pipeline options, attn-compile
// flags) go through this parser instead, which names the valid spellings:
//
//   for the --chip option: unknown value 'sm_70' (expected sm_80, sm_90 or
//   sm_90a)
//
// It is llvm::cl::parser<E> for each enum E named in
// ATTN_ENUM_OPTION_PARSER(E), so that TableGen'd pass options, PassOptions
// and plain cl::opt all pick it up without naming it. Everything but the
// error message behaves as llvm::cl::parser<E> (PassOptions reads `Values`
// to print an option's value).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_SUPPORT_ENUMOPTIONPARSER_H
#define ATTN_SUPPORT_ENUMOPTIONPARSER_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"

#include <string>

namespace mlir {
namespace attn {

template <typename E>
class EnumOptionParser : public llvm::cl::generic_parser_base {
protected:
  class OptionInfo : public GenericOptionInfo {
  public:
    OptionInfo(llvm::StringRef name, E value, llvm::StringRef help)
        : GenericOptionInfo(name, help), V(value) {}
    llvm::cl::OptionValue<E> V;
  };
  llvm::SmallVector<OptionInfo, 4> Values;

public:
  using parser_data_type = E;

  EnumOptionParser(llvm::cl::Option &owner) : generic_parser_base(owner) {}

  unsigned getNumOptions() const override { return Values.size(); }
  llvm::StringRef getOption(unsigned n) const override {
    return Values[n].Name;
  }
  llvm::StringRef getDescription(unsigned n) const override {
    return Values[n].HelpStr;
  }
  const llvm::cl::GenericOptionValue &
  getOptionValue(unsigned n) const override {
    return Values[n].V;
  }

  /// Returns true on error, as llvm::cl parsers do.
  bool parse(llvm::cl::Option &option, llvm::StringRef argName,
             llvm::StringRef arg, E &value) {
    llvm::StringRef spelling = Owner.hasArgStr() ? arg : argName;
    for (const OptionInfo &info : Values) {
      if (info.Name == spelling) {
        value = info.V.getValue();
        return false;
      }
    }
    std::string expected;
    for (auto [i, info] : llvm::enumerate(Values)) {
      if (i > 0)
        expected += i + 1 == Values.size() ? " or " : ", ";
      expected += info.Name.str();
    }
    return option.error("unknown value '" + spelling + "' (expected " +
                        expected + ")");
  }

  template <typename T>
  void addLiteralOption(llvm::StringRef name, const T &value,
                        llvm::StringRef help) {
    Values.emplace_back(name, static_cast<E>(value), help);
    AddLiteralOption(Owner, name);
  }

  void removeLiteralOption(llvm::StringRef name) {
    Values.erase(Values.begin() + findOption(name));
  }
};

} // namespace attn
} // namespace mlir

/// Makes EnumOptionParser the llvm::cl parser of the enum `E`. Use at global
/// scope, right after E is declared and before any option of type E.
#define ATTN_ENUM_OPTION_PARSER(E)                                             \
  template <>                                                                  \
  class llvm::cl::parser<E> : public ::mlir::attn::EnumOptionParser<E> {       \
  public:                                                                      \
    using ::mlir::attn::EnumOptionParser<E>::EnumOptionParser;                 \
  };

#endif // ATTN_SUPPORT_ENUMOPTIONPARSER_H

// crioctl pull / images / inspecti / rmi / imagefsinfo, shaped like crictl's.

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "output.h"

namespace crio::ctl {
namespace {

namespace v1 = ::runtime::v1;

// crictl prints sizes as "4.26MB": decimal units, three significant digits.
std::string HumanSize(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g%s", value, kUnits[unit]);
  return buf;
}

std::pair<std::string, std::string> SplitRepoTag(const std::string& repo_tag) {
  const std::size_t colon = repo_tag.rfind(':');
  const std::size_t slash = repo_tag.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {repo_tag, "<none>"};
  }
  return {repo_tag.substr(0, colon), repo_tag.substr(colon + 1)};
}

std::string ShortId(const std::string& id) {
  const std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, 13);
}

void AddPull(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("pull", "Pull an image from a registry");
  auto image = std::make_shared<std::string>();
  auto creds = std::make_shared<std::string>();
  auto auth = std::make_shared<std::string>();
  cmd->add_option("image", *image, "Image reference")->required();
  cmd->add_option("--creds", *creds, "Registry credentials as USERNAME[:PASSWORD]");
  cmd->add_option("--auth", *auth, "Base64 of USERNAME:PASSWORD");
  cmd->callback([&globals, &result, image, creds, auth] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      v1::PullImageRequest request;
      request.mutable_image()->set_image(*image);
      if (!creds->empty()) {
        const std::size_t colon = creds->find(':');
        request.mutable_auth()->set_username(creds->substr(0, colon));
        if (colon != std::string::npos)
          request.mutable_auth()->set_password(creds->substr(colon + 1));
      }
      if (!auth->empty()) request.mutable_auth()->set_auth(*auth);
      v1::PullImageResponse response;
      auto context = client.NewContext();
      // A pull takes as long as it takes; crictl gives it no deadline either.
      context->set_deadline(std::chrono::system_clock::time_point::max());
      const grpc::Status status = client.image().PullImage(context.get(), request, &response);
      if (!status.ok()) return RpcFailure(absl::StrCat("pulling image ", *image).c_str(), status);
      std::printf("Image is up to date for %s\n", response.image_ref().c_str());
      return absl::OkStatus();
    });
  });
}

void AddImages(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("images", "List images");
  cmd->alias("image");
  auto filter = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto digests = std::make_shared<bool>(false);
  auto output = std::make_shared<std::string>();
  cmd->add_option("image", *filter, "Only this image (reference or id)");
  cmd->add_flag("-q,--quiet", *quiet, "Only show image IDs");
  cmd->add_flag("--digests", *digests, "Show digests");
  cmd->add_option("-o,--output", *output, "Output format: json, yaml or table (default)");
  cmd->callback([&globals, &result, filter, quiet, digests, output] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format, ParseOutputFormat(*output, OutputFormat::kTable));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      v1::ListImagesRequest request;
      if (!filter->empty()) request.mutable_filter()->mutable_image()->set_image(*filter);
      v1::ListImagesResponse response;
      const grpc::Status status =
          client.image().ListImages(client.NewContext().get(), request, &response);
      if (!status.ok()) return RpcFailure("listing images", status);
      if (format != OutputFormat::kTable) {
        std::cout << Render(MessageToJson(response), format);
        return absl::OkStatus();
      }
      if (*quiet) {
        for (const auto& image : response.images()) std::printf("%s\n", image.id().c_str());
        return absl::OkStatus();
      }
      if (*digests) {
        std::printf("%-50s %-10s %-15s %-15s %s\n", "IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE");
      } else {
        std::printf("%-50s %-10s %-15s %s\n", "IMAGE", "TAG", "IMAGE ID", "SIZE");
      }
      for (const auto& image : response.images()) {
        std::string digest = "<none>";
        if (image.repo_digests_size() > 0) {
          const std::string& rd = image.repo_digests(0);
          digest = ShortId(rd.substr(rd.find('@') + 1));
        }
        std::vector<std::pair<std::string, std::string>> rows;
        for (const auto& tag : image.repo_tags()) rows.push_back(SplitRepoTag(tag));
        if (rows.empty()) rows.emplace_back("<none>", "<none>");
        for (const auto& [repo, tag] : rows) {
          if (*digests) {
            std::printf("%-50s %-10s %-15s %-15s %s\n", repo.c_str(), tag.c_str(), digest.c_str(),
                        ShortId(image.id()).c_str(), HumanSize(image.size()).c_str());
          } else {
            std::printf("%-50s %-10s %-15s %s\n", repo.c_str(), tag.c_str(),
                        ShortId(image.id()).c_str(), HumanSize(image.size()).c_str());
          }
        }
      }
      return absl::OkStatus();
    });
  });
}

void AddInspecti(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("inspecti", "Return the status of one or more images");
  auto images = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  cmd->add_option("image", *images, "Image references or ids")->required();
  cmd->add_option("-o,--output", *output, "Output format: json (default) or yaml");
  cmd->callback([&globals, &result, images, output] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format, ParseOutputFormat(*output, OutputFormat::kJson));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      for (const auto& name : *images) {
        v1::ImageStatusRequest request;
        request.mutable_image()->set_image(name);
        request.set_verbose(true);
        v1::ImageStatusResponse response;
        const grpc::Status status =
            client.image().ImageStatus(client.NewContext().get(), request, &response);
        if (!status.ok()) return RpcFailure("getting image status", status);
        if (!response.has_image()) {
          return absl::NotFoundError(absl::StrCat("no such image \"", name, "\" present"));
        }
        nlohmann::ordered_json shown = {{"status", MessageToJson(response.image())}};
        for (const auto& [key, text] : response.info()) {
          auto parsed = nlohmann::ordered_json::parse(text, nullptr, false);
          shown[key] = parsed.is_discarded() ? nlohmann::ordered_json(text) : parsed;
        }
        std::cout << Render(shown, format == OutputFormat::kTable ? OutputFormat::kJson : format);
      }
      return absl::OkStatus();
    });
  });
}

void AddRmi(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("rmi", "Remove one or more images");
  auto images = std::make_shared<std::vector<std::string>>();
  cmd->add_option("image", *images, "Image references or ids")->required();
  cmd->callback([&globals, &result, images] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      for (const auto& name : *images) {
        v1::RemoveImageRequest request;
        request.mutable_image()->set_image(name);
        v1::RemoveImageResponse response;
        const grpc::Status status =
            client.image().RemoveImage(client.NewContext().get(), request, &response);
        if (!status.ok()) return RpcFailure(absl::StrCat("removing image ", name).c_str(), status);
        std::printf("Deleted: %s\n", name.c_str());
      }
      return absl::OkStatus();
    });
  });
}

void AddImageFsInfo(CLI::App& app, const Globals& globals, CommandResult& result) {
  CLI::App* cmd = app.add_subcommand("imagefsinfo", "Return image filesystem info");
  auto output = std::make_shared<std::string>();
  cmd->add_option("-o,--output", *output, "Output format: json (default) or yaml");
  cmd->callback([&globals, &result, output] {
    RunBody(result, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(const OutputFormat format, ParseOutputFormat(*output, OutputFormat::kJson));
      ASSIGN_OR_RETURN(Client client, Client::Connect(globals));
      v1::ImageFsInfoResponse response;
      const grpc::Status status = client.image().ImageFsInfo(client.NewContext().get(),
                                                             v1::ImageFsInfoRequest(), &response);
      if (!status.ok()) return RpcFailure("getting image filesystem info", status);
      std::cout << Render(MessageToJson(response),
                          format == OutputFormat::kTable ? OutputFormat::kJson : format);
      return absl::OkStatus();
    });
  });
}

}  // namespace

void AddImageCommands(CLI::App& app, const Globals& globals, CommandResult& result) {
  AddPull(app, globals, result);
  AddImages(app, globals, result);
  AddInspecti(app, globals, result);
  AddRmi(app, globals, result);
  AddImageFsInfo(app, globals, result);
}

}  // namespace crio::ctl
